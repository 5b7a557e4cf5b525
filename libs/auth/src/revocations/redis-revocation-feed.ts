import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisConfig, createRedisClient } from '@ajla/platform';
import { parseRevocationEntry } from './revocation-entry';
import { SessionRevocations } from './session-revocations';

/** The sorted set of entries (score: when an entry can be forgotten), under the client's key prefix. */
export const REVOCATIONS_KEY = 'session-revocations';

/** The pub/sub channel announcing each new entry. ioredis does not prefix channels: this does. */
export function revocationsChannel(keyPrefix: string): string {
  return `${keyPrefix}session-revocations`;
}

export interface RedisRevocationFeedOptions {
  /** How often the subscription is proven alive by a PING on it (ms); a quarter of the grace by default. */
  heartbeatMs?: number;
  /** A PING unanswered this long (ms) means a dead link: the subscriber reconnects. */
  deadLinkMs?: number;
  /** How often expired entries are dropped from memory (ms). */
  pruneEveryMs?: number;
}

/**
 * Keeps a `SessionRevocations` current from Redis. Subscribes to the channel first, then loads the
 * set, so nothing published in between is missed; after a lost connection it resubscribes and
 * reloads. A PING on the subscriber connection every heartbeat proves the subscription is alive:
 * its answer comes after every message published before it, so when it arrives the list is
 * complete as of when it was sent. Only then does the list's grace start again; a silent or lost
 * link lets it lapse, and checks fail closed.
 */
export class RedisRevocationFeed {
  private readonly logger = new Logger('SessionRevocations');
  private readonly reader: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  /** Bumped on every connection change: work started for an older connection is dropped. */
  private generation = 0;
  private synced = false;
  private pingSentAt: number | undefined;
  private timers: NodeJS.Timeout[] = [];
  private everSynced = false;
  private lostSince: number | undefined;
  /** A failed load was logged for this connection: the retries every 250 ms are not. */
  private loadFailureLogged = -1;
  private stopped = false;
  private readonly firstSync: Promise<void>;
  private resolveFirstSync!: () => void;

  constructor(
    private readonly list: SessionRevocations,
    config: RedisConfig,
    private readonly graceMs: number,
    private readonly options: RedisRevocationFeedOptions = {},
  ) {
    this.channel = revocationsChannel(config.REDIS_KEY_PREFIX);
    this.reader = createRedisClient(config);
    // Subscribing is done here on every (re)connection, then the set reloaded: never implicitly.
    this.subscriber = this.reader.duplicate({ autoResubscribe: false, lazyConnect: true });
    this.subscriber.on('error', () => undefined); // the reader logs the same connection errors
    this.firstSync = new Promise((resolve) => (this.resolveFirstSync = resolve));
  }

  /** Connects and keeps the list current until `stop()`. */
  start(): void {
    this.subscriber.on('ready', () => void this.sync(++this.generation));
    this.subscriber.on('close', () => this.lost());
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const entry = parseRevocationEntry(message);
      if (entry === undefined) this.logger.warn('Ignored a malformed session revocation message');
      else this.list.add(entry);
    });
    const heartbeatMs = this.options.heartbeatMs ?? Math.max(50, Math.floor(this.graceMs / 4));
    this.every(heartbeatMs, () => this.heartbeat());
    this.every(this.options.pruneEveryMs ?? 30_000, () => this.list.prune());
    void this.subscriber.connect().catch(() => undefined); // ioredis keeps retrying by itself
  }

  /** Resolves true once the list has been loaded (false if not within `timeoutMs`). */
  async whenSynced(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const synced = await Promise.race([this.firstSync.then(() => true), timeout]);
    clearTimeout(timer);
    return synced;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.generation += 1;
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    await Promise.all(
      [this.subscriber, this.reader].map(async (client) => {
        if (client.status === 'end') return;
        // QUIT on a connection that is not up would wait in the offline queue for ever.
        if (client.status !== 'ready') client.disconnect();
        else await client.quit().catch(() => client.disconnect());
      }),
    );
  }

  private every(ms: number, work: () => void): void {
    const timer = setInterval(work, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private async sync(generation: number): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
      const asOf = Date.now();
      // Entries are written to the set before they are published (one MULTI), so everything
      // published before `asOf` is either in this answer or arrives on the subscription.
      const members = await this.reader.zrangebyscore(REVOCATIONS_KEY, asOf, '+inf');
      if (generation !== this.generation) return;
      for (const member of members) {
        const entry = parseRevocationEntry(member);
        if (entry !== undefined) this.list.add(entry);
      }
      this.synced = true;
      this.pingSentAt = undefined;
      this.list.confirmComplete(asOf);
      if (this.lostSince !== undefined) {
        this.logger.log(`Session revocation feed back after ${Date.now() - this.lostSince} ms`);
        this.lostSince = undefined;
      }
      if (!this.everSynced) {
        this.everSynced = true;
        this.resolveFirstSync();
      }
    } catch (error) {
      if (generation !== this.generation || this.stopped) return;
      if (this.loadFailureLogged !== generation) {
        this.loadFailureLogged = generation;
        this.logger.warn(`Could not load the session revocations: ${(error as Error).message}`);
      }
      setTimeout(() => {
        if (generation === this.generation && this.subscriber.status === 'ready') {
          void this.sync(generation);
        }
      }, 250).unref();
    }
  }

  private lost(): void {
    this.generation += 1;
    this.pingSentAt = undefined;
    if (this.stopped || !this.synced) return;
    this.synced = false;
    this.lostSince = Date.now();
    this.logger.warn(
      `Session revocation feed lost: tokens are refused (503) after ${this.graceMs} ms until it is back`,
    );
  }

  private heartbeat(): void {
    if (!this.synced) return;
    const now = Date.now();
    if (this.pingSentAt !== undefined) {
      const deadLinkMs = this.options.deadLinkMs ?? Math.max(3 * this.graceMs, 3000);
      if (now - this.pingSentAt > deadLinkMs) {
        this.logger.warn(
          `Session revocation feed silent for ${now - this.pingSentAt} ms: reconnecting`,
        );
        this.subscriber.disconnect(true);
      }
      return;
    }
    const generation = this.generation;
    this.pingSentAt = now;
    this.subscriber.ping().then(
      () => {
        if (generation !== this.generation) return;
        this.pingSentAt = undefined;
        this.list.confirmComplete(now);
      },
      () => {
        if (generation === this.generation) this.pingSentAt = undefined;
      },
    );
  }
}
