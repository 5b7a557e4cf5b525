import { Client } from 'pg';

/** Where a `PostgresListener` reports losing and regaining its connection. */
export interface PostgresListenerLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface PostgresListenerOptions {
  url: string;
  /** The channel (as given to `NOTIFY`/`pg_notify`, case kept). */
  channel: string;
  /** Every notification on the channel, from any session's commit. */
  onNotify: () => void;
  /**
   * Right after each (re)connection, once listening: what was committed while nobody listened
   * was not notified, so the caller looks for itself now.
   */
  onListening?: () => void;
  /** The connection was lost: nothing is heard until `onListening` is called again. */
  onLost?: () => void;
  /** What the caller does meanwhile, for the log: e.g. "polling only until it is back". */
  meanwhile: string;
  logger: PostgresListenerLogger;
  /** Shown in pg_stat_activity. */
  applicationName?: string;
}

/**
 * A Postgres connection of its own that LISTENs on one channel and calls `onNotify` for every
 * notification on it (delivered by Postgres when the notifying transaction commits, on any
 * replica). It reconnects on its own, with back-off; while it is down nothing is heard, which the
 * caller must allow for (`listening`, `onLost`, `onListening`).
 */
export class PostgresListener {
  private client?: Client;
  private stopped = true;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;

  constructor(private readonly options: PostgresListenerOptions) {}

  /** Connected and listening: every commit that notifies from now on is heard. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName ?? 'ajla-listener',
    });
    client.on('notification', () => this.options.onNotify());
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel.replaceAll('"', '""')}"`);
    } catch (error) {
      await client.end().catch(() => undefined);
      this.scheduleReconnect(error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    if (this.failures > 0) this.options.logger.log(`Listening on ${this.options.channel} again`);
    this.failures = 0;
    this.options.onListening?.();
  }

  private lost(client: Client): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.options.onLost?.();
    client.end().catch(() => undefined);
    this.scheduleReconnect(new Error('connection lost'));
  }

  private scheduleReconnect(error: unknown): void {
    if (this.stopped) return;
    this.failures += 1;
    if (this.failures === 1) {
      this.options.logger.warn(
        `Cannot listen on ${this.options.channel} (${error instanceof Error ? error.message : String(error)}); ${this.options.meanwhile}`,
      );
    }
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.failures - 1, 6));
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }
}
