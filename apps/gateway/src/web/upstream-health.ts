/** `degraded`: ready (200), but a non-critical dependency fails (e.g. RabbitMQ: events wait). */
export type ServiceState = 'ok' | 'degraded' | 'down';

export interface PlatformHealth {
  readonly status: 'ok' | 'degraded' | 'unavailable';
  readonly services: Record<string, ServiceState>;
}

/**
 * Asks every configured service's `/health/ready`, all at once, each with a short timeout: the
 * platform is available when every one answers 200, degraded when one of them says it is.
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
    const states = entries.map(([, state]) => state);
    const status = states.includes('down')
      ? 'unavailable'
      : states.includes('degraded')
        ? 'degraded'
        : 'ok';
    return { status, services };
  }

  private async probe(baseUrl: string): Promise<ServiceState> {
    try {
      const response = await this.fetchFn(`${baseUrl}/health/ready`, {
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { accept: 'application/json' },
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        return 'down';
      }
      const body = (await response.json().catch(() => null)) as { status?: unknown } | null;
      return body?.status === 'degraded' ? 'degraded' : 'ok';
    } catch {
      return 'down';
    }
  }
}
