import { PostgresListener, type PostgresListenerLogger } from './postgres-listener';

export interface NotifiedCacheOptions {
  url: string;
  /** The channel the tables' triggers notify at every change (`pg_notify(channel, ...)`). */
  channel: string;
  logger: PostgresListenerLogger;
}

/**
 * Small, hot reads (a directory, a list of subscriptions) kept in memory for as long as Postgres
 * says nothing they depend on changed: triggers on their tables notify `channel` at every change,
 * a `PostgresListener` hears it when that change commits, on any replica, and the next `get` of
 * every key reads afresh. While the listener is down (not started yet, connection lost) nothing is
 * kept: every `get` reads, as it would without a cache.
 *
 * A read that started before a change and finishes after its notification is not kept (each
 * notification starts a new generation, and a value is kept only for the generation its read
 * started in). What it cannot hide is the moment between a change's commit and its notification
 * reaching this process, a few milliseconds: a reader then sees the state just before the change,
 * as it would have had it read a moment earlier. Use it only where that is acceptable.
 */
export class NotifiedCache {
  private readonly values = new Map<string, { value: unknown; generation: number }>();
  private generation = 0;
  private readonly listener: PostgresListener;

  constructor(options: NotifiedCacheOptions) {
    this.listener = new PostgresListener({
      url: options.url,
      channel: options.channel,
      onNotify: () => this.invalidate(),
      onListening: () => this.invalidate(),
      onLost: () => this.invalidate(),
      meanwhile: 'reading afresh every time until it is back',
      logger: options.logger,
      applicationName: 'ajla-cache-listener',
    });
  }

  /** Whether changes are heard now (and so values kept). */
  get listening(): boolean {
    return this.listener.listening;
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  async stop(): Promise<void> {
    await this.listener.stop();
    this.invalidate();
  }

  /** The value of `key` as last read, when nothing changed since; otherwise `read()` now. */
  async get<T>(key: string, read: () => Promise<T>): Promise<T> {
    const kept = this.peek<T>(key);
    if (kept !== undefined) return kept;
    const generation = this.generation;
    const listening = this.listener.listening;
    const value = await read();
    if (listening && this.listener.listening && generation === this.generation) {
      this.values.set(key, { value, generation });
    }
    return value;
  }

  /** The value of `key` when one is kept and still current; undefined otherwise. */
  peek<T>(key: string): T | undefined {
    const kept = this.values.get(key);
    if (kept === undefined || kept.generation !== this.generation || !this.listener.listening) {
      return undefined;
    }
    return kept.value as T;
  }

  private invalidate(): void {
    this.generation += 1;
    this.values.clear();
  }
}
