import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConfirmChannel } from 'amqplib';
import type { PoolClient, QueryResult } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { isTracing, outsideTraces, PostgresListener } from '@ajla/platform';
import type { AmqpConnectionManager } from '../amqp/connection';
import { eventPublishOptions } from '../amqp/message-headers';
import { checkExchange } from '../amqp/topology';
import { publishTraced } from '../observability/message-tracing';
import { defaultLogger, type MessagingLogger } from '../logger';
import { messagingTables, type MessagingTables } from '../persistence/messaging-tables';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  connection: AmqpConnectionManager;
  exchange: string;
  /** Rows per batch (one transaction, one wait for the broker's confirms). Default 100. */
  batchSize?: number;
  /** Polling, the fallback of the commit notifications. Default 200 ms. */
  pollIntervalMs?: number;
  /**
   * The longest a commit waits for others to share its batch, under load. How long the relay
   * waits after a batch grows with that batch's size: after a batch of one event (the relay keeps
   * up) the next commit leaves at once; after a batch of `COALESCE_FULLY_AT` events or more (commits
   * come faster than batches run) the next batch starts this long after the last one, and carries
   * everything committed meanwhile for the cost of one transaction. Default 100 ms; 0 never waits
   * (commits that come while a batch runs still share the next one).
   */
  minBatchIntervalMs?: number;
  /** A publish not confirmed within this time counts as failed (retried later). Default 5000 ms. */
  publishTimeoutMs?: number;
  /**
   * 0 (the default): a row is deleted as soon as RabbitMQ confirmed it, the cheapest for Postgres.
   * Above 0: published rows are kept, marked `published_at`, for that many hours (inspection).
   */
  retentionHours?: number;
  /**
   * Vacuums the outbox after this many of its rows were deleted or marked (default 2000; 0 leaves
   * it to autovacuum). Every published row leaves a dead row version behind, and the relay's
   * claim reads the unsent rows' index from its start: a backlog of dead entries there makes each
   * claim and poll slower (10x at 100 000), until a vacuum removes them. Autovacuum does it too,
   * when it is on and gets round to it; this keeps the outbox small either way.
   */
  vacuumEveryRows?: number;
  /** Wake at commit through Postgres LISTEN/NOTIFY (default true; needs the DataSource's `url`). */
  listen?: boolean;
  logger?: MessagingLogger;
  /** Called after each batch that claimed rows (metrics). */
  onBatch?: (batch: RelayBatch) => void;
}

interface OutboxRow {
  id: string;
  routing_key: string;
  body: string;
  headers: Record<string, string>;
}

export interface RelayBatch {
  claimed: number;
  published: number;
  /** The routing key of each published (confirmed) event (metrics by type). */
  publishedKeys?: readonly string[];
}

const CLEANUP_EVERY_MS = 10 * 60_000;
/**
 * A batch of this many events means load: the next one waits the whole `minBatchIntervalMs`.
 * Below it the wait shrinks in proportion, to nothing after a batch of one. At a steady rate the
 * relay settles either way: under about `COALESCE_FULLY_AT / minBatchIntervalMs` events per second
 * (90/s at 100 ms) every event leaves at once; above it, batches of a tenth of a second's events.
 */
export const COALESCE_FULLY_AT = 10;
/** Least time between two vacuums of the outbox by one relay. */
const VACUUM_AT_MOST_EVERY_MS = 2_000;
const MAX_BACKOFF_MS = 5_000;

/**
 * Publishes the outbox: claims unsent rows in order (`FOR UPDATE SKIP LOCKED`, so replicas share
 * the work), publishes them persistent on a confirm channel, and marks them published in the same
 * transaction once the broker has confirmed them. A crash before that commit leaves them unsent:
 * they go out again (at least once; consumers deduplicate by event id).
 *
 * It runs when a commit notifies it, when the broker (re)connects, and every `pollIntervalMs`.
 */
export class OutboxRelay {
  private readonly tables: MessagingTables;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly minBatchIntervalMs: number;
  private readonly publishTimeoutMs: number;
  private readonly retentionHours: number;
  private readonly vacuumEveryRows: number;
  private readonly logger: MessagingLogger;
  private channel?: ChannelWrapper;
  private channelReady = false;
  private notifications?: PostgresListener;
  private pollTimer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private delayed?: NodeJS.Timeout;
  private lastStart = 0;
  /** Events the last batch claimed: how much the next one waits for company (`batchWait`). */
  private lastClaimed = 0;
  private stopped = true;
  private failures = 0;
  private lastCleanup = 0;
  private lastError = '';
  /** Rows deleted or marked since the last vacuum; the vacuum in progress, if any. */
  private touchedSinceVacuum = 0;
  private lastVacuum = 0;
  private vacuuming?: Promise<void>;

  constructor(private readonly options: OutboxRelayOptions) {
    this.tables = messagingTables(options.dataSource);
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.minBatchIntervalMs = options.minBatchIntervalMs ?? 100;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.retentionHours = options.retentionHours ?? 0;
    this.vacuumEveryRows = options.vacuumEveryRows ?? 2_000;
    this.logger = options.logger ?? defaultLogger('OutboxRelay');
  }

  /** Starts relaying; does not wait for the broker (events wait in the outbox meanwhile). */
  async start(): Promise<void> {
    if (!this.stopped) return;
    this.stopped = false;
    this.lastCleanup = Date.now();
    const { connection, exchange } = this.options;
    this.channel = connection.createChannel({
      name: 'outbox-relay',
      confirm: true,
      publishTimeout: this.publishTimeoutMs,
      // The topology step declares the exchange; the relay only checks it is there.
      setup: (channel: ConfirmChannel) => checkExchange(channel, exchange),
    });
    this.channel.on('connect', () => {
      this.channelReady = true;
      this.wake();
    });
    this.channel.on('error', (error: Error) => {
      this.logger.error(`Relay channel setup failed: ${error.message}`);
    });
    connection.on('disconnect', this.onDisconnect);

    const url = (this.options.dataSource.options as { url?: string }).url;
    if ((this.options.listen ?? true) && url) {
      this.notifications = new PostgresListener({
        url,
        channel: this.tables.notifyChannel,
        onNotify: () => this.wake(),
        // Rows committed while nobody listened are only found by polling: look now.
        onListening: () => this.wake(),
        meanwhile: 'polling the outbox only until it is back',
        logger: this.logger,
        applicationName: 'ajla-outbox-listener',
      });
      await this.notifications.start();
    }
    this.schedulePoll();
  }

  /**
   * Stops after the batch in progress (its confirmed rows are marked) and one last batch for what
   * the last requests wrote, then closes its channel. Anything left waits for the next relay.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.delayed);
    this.delayed = undefined;
    this.options.connection.removeListener('disconnect', this.onDisconnect);
    await this.notifications?.stop();
    await this.running;
    await this.vacuuming;
    if (this.connected) {
      await this.relayBatch().catch(() => undefined);
    }
    await this.channel?.close().catch(() => undefined);
    this.channel = undefined;
    this.channelReady = false;
  }

  /** Whether it can publish now (connected, exchange declared). */
  get connected(): boolean {
    return this.channelReady && this.options.connection.isConnected();
  }

  /** Resolves once it can publish (tests, start-up checks); rejects after `timeoutMs`. */
  async whenConnected(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.connected) {
      if (this.stopped) throw new Error('the relay is stopped');
      if (Date.now() > deadline)
        throw new Error(`not connected to RabbitMQ within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Runs a pass now, or right after the one in progress, or, when the last batch was a large one
   * and started a moment ago, once `batchWait` is up: wake-ups meanwhile join that pass.
   */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.delayed) return;
    const wait = this.lastStart + this.batchWait() - Date.now();
    if (wait > 0) {
      this.delayed = setTimeout(() => {
        this.delayed = undefined;
        this.wake();
      }, wait);
      return;
    }
    this.lastStart = Date.now();
    // A pass publishes the events of many requests: its statements belong to none of their traces.
    const pass = isTracing() ? outsideTraces(() => this.drain()) : this.drain();
    this.running = pass.finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /**
   * Least time from the last batch's start to the next one's: none after a batch of one event,
   * all of `minBatchIntervalMs` after one of `COALESCE_FULLY_AT` or more, in proportion between.
   */
  private batchWait(): number {
    const load = Math.min(1, Math.max(0, (this.lastClaimed - 1) / (COALESCE_FULLY_AT - 1)));
    return this.minBatchIntervalMs * load;
  }

  /** Publishes until the outbox is empty or a publish fails; resolves with what it did (tests). */
  async relayPending(): Promise<RelayBatch> {
    const total: RelayBatch = { claimed: 0, published: 0 };
    while (this.connected) {
      const batch = await this.relayBatch();
      total.claimed += batch.claimed;
      total.published += batch.published;
      if (batch.claimed < this.batchSize || batch.published < batch.claimed) break;
    }
    return total;
  }

  private readonly onDisconnect = () => {
    this.channelReady = false;
  };

  private schedulePoll(): void {
    if (this.stopped) return;
    const backoff = Math.min(
      MAX_BACKOFF_MS,
      this.pollIntervalMs * 2 ** Math.min(this.failures, 10),
    );
    this.pollTimer = setTimeout(() => {
      void this.poll().finally(() => this.schedulePoll());
    }, backoff);
    this.pollTimer.unref();
  }

  /**
   * The fallback for missed notifications: one cheap look (no transaction, no lock) whether
   * anything is waiting; a pass only when something is. An idle service then costs one indexed
   * read per interval.
   */
  private async poll(): Promise<void> {
    if (this.stopped || this.running || !this.connected) return;
    try {
      const rows: unknown[] = await this.options.dataSource.query(
        `SELECT 1 FROM ${this.tables.outbox} WHERE published_at IS NULL LIMIT 1`,
      );
      if (rows.length > 0) this.wake();
      else this.failures = 0;
    } catch {
      // The database is away: the pass that follows its return reports it, here it would repeat.
      this.failures += 1;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (!this.stopped && this.connected) {
        const batch = await this.relayBatch();
        this.lastClaimed = batch.claimed;
        if (batch.published < batch.claimed) {
          // The broker refused or did not confirm: back off, poll later.
          this.failures += 1;
          break;
        }
        this.failures = 0;
        if (batch.claimed < this.batchSize) break;
      }
      if (!this.stopped) await this.cleanUpIfDue();
      if (!this.stopped) this.vacuumIfDue();
    } catch (error) {
      this.failures += 1;
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.lastError) {
        this.lastError = message;
        this.logger.error(
          `Outbox relay pass failed: ${message}`,
          error instanceof Error ? error.stack : undefined,
        );
      }
      return;
    }
    this.lastError = '';
  }

  /**
   * One batch in one transaction and, when the broker confirms everything, two round trips to
   * Postgres: the first opens the transaction and claims the oldest unsent rows (`FOR UPDATE SKIP
   * LOCKED`: other replicas take other rows); the second deletes them (or, with a retention, marks
   * them published) and commits, once RabbitMQ has confirmed them. Rows the broker did not confirm
   * get their error and stay; a crash before the commit leaves every row unsent. The commit need
   * not wait for its WAL flush (`synchronous_commit off`): a mark lost in a database crash only
   * means the events go out again, which consumers absorb by event id.
   */
  private async relayBatch(): Promise<RelayBatch> {
    const channel = this.channel;
    if (!channel) return { claimed: 0, published: 0 };
    const outbox = this.tables.outbox;
    const runner = this.options.dataSource.createQueryRunner();
    let client: PoolClient | undefined;
    try {
      client = (await runner.connect()) as PoolClient;
      // Simple protocol, three statements in one round trip: no parameters (the batch size is an
      // integer of ours).
      const claimed = (await client.query(
        `START TRANSACTION;
         SET LOCAL synchronous_commit TO OFF;
         SELECT o.id::text AS id, o.routing_key, o.envelope::text AS body,
                o.headers
           FROM ${outbox} AS o
          WHERE o.published_at IS NULL
          ORDER BY o.seq
          LIMIT ${Math.trunc(this.batchSize)}
          FOR UPDATE SKIP LOCKED`,
      )) as unknown as QueryResult<OutboxRow>[];
      const rows = claimed[2].rows;
      if (rows.length === 0) {
        await client.query('COMMIT');
        return { claimed: 0, published: 0 };
      }
      // Sent back to back, in the outbox's order; their confirms come back together.
      const outcomes = await Promise.allSettled(
        rows.map((row) => {
          const { exchange } = this.options;
          const body = Buffer.from(row.body, 'utf8');
          const options = eventPublishOptions(JSON.parse(row.body), row.headers);
          return isTracing()
            ? publishTraced(exchange, row.routing_key, options, (traced) =>
                channel.publish(exchange, row.routing_key, body, traced),
              )
            : channel.publish(exchange, row.routing_key, body, options);
        }),
      );
      const confirmed = rows.filter((_, i) => outcomes[i].status === 'fulfilled');
      const failed = rows.filter((_, i) => outcomes[i].status === 'rejected').map((row) => row.id);
      if (failed.length > 0) {
        const reason = outcomes.find(
          (outcome) => outcome.status === 'rejected',
        ) as PromiseRejectedResult;
        const message =
          reason.reason instanceof Error ? reason.reason.message : String(reason.reason);
        await client.query(
          `UPDATE ${outbox} SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::uuid[])`,
          [failed, message.slice(0, 1000)],
        );
        this.logger.warn(
          `${failed.length} of ${rows.length} events not confirmed by RabbitMQ (${message}); retrying later`,
        );
      }
      // Again simple protocol, the ids inline: uuids as Postgres printed them (checked).
      const ids = `'{${confirmed.map((row) => uuidText(row.id)).join(',')}}'::uuid[]`;
      const done =
        confirmed.length === 0
          ? ''
          : this.retentionHours === 0
            ? `DELETE FROM ${outbox} WHERE id = ANY(${ids});`
            : `UPDATE ${outbox} SET published_at = now(), attempts = attempts + 1, last_error = NULL
                WHERE id = ANY(${ids});`;
      await client.query(`${done} COMMIT`);
      this.touchedSinceVacuum += confirmed.length;
      const batch = {
        claimed: rows.length,
        published: confirmed.length,
        publishedKeys: confirmed.map((row) => row.routing_key),
      };
      this.options.onBatch?.(batch);
      return batch;
    } catch (error) {
      await abandon(runner, client, error);
      throw error;
    } finally {
      if (!runner.isReleased) await runner.release();
    }
  }

  /**
   * Vacuums the outbox in the background once enough rows were published (see `vacuumEveryRows`),
   * at most every few seconds. `SKIP_LOCKED`: another replica's vacuum in progress is enough. A
   * role that does not own the table gets a warning from Postgres, not an error.
   */
  private vacuumIfDue(): void {
    if (this.vacuumEveryRows === 0 || this.vacuuming) return;
    if (this.touchedSinceVacuum < this.vacuumEveryRows) return;
    if (Date.now() - this.lastVacuum < VACUUM_AT_MOST_EVERY_MS) return;
    this.touchedSinceVacuum = 0;
    this.lastVacuum = Date.now();
    this.vacuuming = this.options.dataSource
      .query(`VACUUM (SKIP_LOCKED) ${this.tables.outbox}`)
      .then(
        () => undefined,
        (error: unknown) => {
          this.logger.warn(
            `Outbox vacuum failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        },
      )
      .finally(() => {
        this.vacuuming = undefined;
      });
  }

  private async cleanUpIfDue(): Promise<void> {
    if (this.retentionHours === 0 || Date.now() - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = Date.now();
    await this.options.dataSource.query(
      `DELETE FROM ${this.tables.outbox}
        WHERE published_at IS NOT NULL AND published_at < now() - make_interval(hours => $1)`,
      [this.retentionHours],
    );
  }
}

/** Ends a failed batch: rolls back, or drops the connection when even that fails. */
async function abandon(
  runner: QueryRunner,
  client: PoolClient | undefined,
  error: unknown,
): Promise<void> {
  if (client === undefined) return;
  try {
    await client.query('ROLLBACK');
  } catch {
    // Never hand a connection in an unknown transaction state back to the pool.
    const postgres = runner as QueryRunner & { releasePostgresConnection?(err: unknown): unknown };
    await postgres.releasePostgresConnection?.(error);
  }
}

const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A uuid as Postgres prints it, the only shape the relay writes into a statement's text. */
function uuidText(value: string): string {
  if (!UUID_TEXT.test(value)) throw new Error(`not a uuid: ${value.slice(0, 40)}`);
  return value;
}
