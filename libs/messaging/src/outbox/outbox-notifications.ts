import { Client } from 'pg';
import type { MessagingLogger } from '../logger';

/**
 * A Postgres connection of its own that LISTENs on the outbox channel and calls `onNotify` for
 * every commit that wrote outbox rows (on any replica). It reconnects on its own; while it is
 * down the relay's polling still finds every row, only later.
 */
export class OutboxNotifications {
  private client?: Client;
  private stopped = true;
  private retryTimer?: NodeJS.Timeout;
  private failures = 0;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly onNotify: () => void,
    private readonly logger: MessagingLogger,
  ) {}

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
      connectionString: this.url,
      application_name: 'ajla-outbox-listener',
    });
    client.on('notification', () => this.onNotify());
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel.replaceAll('"', '""')}"`);
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
    if (this.failures > 0) this.logger.log('Listening for outbox commits again');
    this.failures = 0;
    // Rows committed while nobody listened are only found by polling: look now.
    this.onNotify();
  }

  private lost(client: Client): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    client.end().catch(() => undefined);
    this.scheduleReconnect(new Error('connection lost'));
  }

  private scheduleReconnect(error: unknown): void {
    if (this.stopped) return;
    this.failures += 1;
    if (this.failures === 1) {
      this.logger.warn(
        `Cannot listen for outbox commits (${error instanceof Error ? error.message : String(error)}); polling only until it is back`,
      );
    }
    const delay = Math.min(30_000, 500 * 2 ** Math.min(this.failures - 1, 6));
    this.retryTimer = setTimeout(() => void this.connect(), delay);
    this.retryTimer.unref();
  }
}
