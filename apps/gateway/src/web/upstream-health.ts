export type ServiceState = 'ok' | 'down';

export interface PlatformHealth {
  readonly status: 'ok' | 'unavailable';
  readonly services: Record<string, ServiceState>;
}

/**
 * Asks every configured service's `/health/ready`, all at once, each with a short timeout: the
 * platform is ok when every one answers 200.
 */
export class UpstreamHealth {
  constructor(
    private readonly services: ReadonlyMap<string, string>,
    private readonly timeoutMs: number,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  async check(): Promise<PlatformHealth> {
    const entries = await Promise.all(
      [...this.services].map(async ([name, baseUrl]) => [name, await this.probe(baseUrl)] as const),
    );
    const services = Object.fromEntries(entries);
    const status = entries.every(([, state]) => state === 'ok') ? 'ok' : 'unavailable';
    return { status, services };
  }

  private async probe(baseUrl: string): Promise<ServiceState> {
    try {
      const response = await this.fetchFn(`${baseUrl}/health/ready`, {
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { accept: 'application/json' },
      });
      await response.body?.cancel();
      return response.status === 200 ? 'ok' : 'down';
    } catch {
      return 'down';
    }
  }
}
