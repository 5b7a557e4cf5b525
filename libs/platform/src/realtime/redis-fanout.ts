import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Where a fan-out says what did not get through (Nest's `Logger` is one). */
export interface FanoutLog {
  warn(message: string): void;
}

export interface RedisFanoutOptions<Peer, Payload> {
  /** The service's client: it publishes, and is duplicated once for the subscriptions. */
  redis: Redis;
  /** A key's channel is this prefix and the key (`<REDIS_KEY_PREFIX>chat:<conversation id>`). */
  channelPrefix: string;
  /**
   * Hands a payload to this replica's peers of its key (called only when there is one). It runs
   * for every message on every channel: keep it to the loop over `peers`.
   */
  deliver(peers: ReadonlySet<Peer>, payload: Payload): void;
  log: FanoutLog;
}

/**
 * A service's live traffic to every replica through Redis pub/sub, by key (a conversation, a
 * recipient): one channel per key, which a replica subscribes to while one of its peers (open
 * sockets) has joined that key, and unsubscribes from when the last one leaves. Payloads travel as
 * JSON, encoded once by the publisher and decoded once per replica, whatever the number of peers.
 * Frameworks stay out: the services wrap it in their own hub (what they publish, and when).
 *
 * Local first: what a replica publishes goes to its own peers at once, without the Redis round
 * trip, and the copy Redis brings back to it is dropped unread (it ends with the replica's tag,
 * `"r":"<origin>"`, a field the payload's readers ignore). So each peer gets each payload once,
 * and a replica's own peers keep getting its payloads while Redis is away.
 */
export class RedisFanout<Key extends string, Peer, Payload extends object> {
  private readonly peers = new Map<Key, Set<Peer>>();
  private readonly subscriptions = new Map<Key, Promise<unknown>>();
  private subscriber?: Redis;
  private readonly channelPrefix: string;
  /** This replica's tag, the last field of every payload it publishes. */
  private readonly ownTag = `"r":"${randomBytes(9).toString('base64url')}"}`;

  constructor(private readonly options: RedisFanoutOptions<Peer, Payload>) {
    this.channelPrefix = options.channelPrefix;
  }

  /** Adds a peer of `key`; resolves once the key's channel is subscribed on this replica. */
  async join(key: Key, peer: Peer): Promise<void> {
    let local = this.peers.get(key);
    if (local === undefined) {
      local = new Set();
      this.peers.set(key, local);
    }
    local.add(peer);
    let subscribed = this.subscriptions.get(key);
    if (subscribed === undefined) {
      subscribed = this.subscriberClient()
        .subscribe(this.channelOf(key))
        .catch((error: unknown) => {
          this.subscriptions.delete(key);
          throw error;
        });
      this.subscriptions.set(key, subscribed);
    }
    await subscribed;
  }

  /** Removes a peer; the key's channel is unsubscribed with its last peer on this replica. */
  leave(key: Key, peer: Peer): void {
    const local = this.peers.get(key);
    if (local === undefined || !local.delete(peer) || local.size > 0) return;
    this.peers.delete(key);
    this.subscriptions.delete(key);
    this.subscriber?.unsubscribe(this.channelOf(key)).catch(() => undefined);
  }

  /** Hands a payload to the peers of `key`: this replica's at once, the others' through Redis. */
  publish(key: Key, payload: Payload): void {
    this.deliverLocally(key, payload);
    this.options.redis.publish(this.channelOf(key), this.encode(payload)).catch((error) => {
      this.options.log.warn(`fan-out to ${key} failed: ${(error as Error).message}`);
    });
  }

  /**
   * Publishes one payload per item: this replica's peers get theirs at once, the other replicas
   * theirs in one round trip (a pipeline). Never rejects: what did not get through is logged.
   */
  publishEach<T>(
    items: readonly T[],
    keyOf: (item: T) => Key,
    payloadOf: (item: T) => Payload,
  ): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    const pipeline = this.options.redis.pipeline();
    for (const item of items) {
      const key = keyOf(item);
      const payload = payloadOf(item);
      this.deliverLocally(key, payload);
      pipeline.publish(this.channelOf(key), this.encode(payload));
    }
    return pipeline.exec().then(
      (results) => {
        const failed = (results ?? []).filter(([error]) => error !== null).length;
        if (failed > 0) this.options.log.warn(`${failed} fan-out publish(es) failed`);
      },
      (error: unknown) => {
        this.options.log.warn(`fan-out publishes failed: ${(error as Error).message}`);
      },
    );
  }

  /** Peers on this replica (for tests and metrics). */
  get size(): number {
    let count = 0;
    for (const local of this.peers.values()) count += local.size;
    return count;
  }

  /** Forgets every peer and closes the subscriber connection (shutdown). */
  async close(): Promise<void> {
    this.peers.clear();
    this.subscriptions.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber === undefined || subscriber.status === 'end') return;
    await subscriber.quit().catch(() => subscriber.disconnect());
  }

  private deliverLocally(key: Key, payload: Payload): void {
    const local = this.peers.get(key);
    if (local !== undefined) this.options.deliver(local, payload);
  }

  /** The payload's JSON with this replica's tag as its last field. */
  private encode(payload: Payload): string {
    const json = JSON.stringify(payload);
    return json.length > 2 ? `${json.slice(0, -1)},${this.ownTag}` : `{${this.ownTag}`;
  }

  private channelOf(key: Key): string {
    return `${this.channelPrefix}${key}`;
  }

  private subscriberClient(): Redis {
    if (this.subscriber === undefined) {
      // A subscribed connection can do nothing else: one of its own, created on first use. No
      // ready check: its INFO is not a subscriber command, and SUBSCRIBEs written while the
      // connection is still being checked (many sockets opening at once) put it in subscriber
      // mode first, which failed the check and the joins behind it.
      const subscriber = this.options.redis.duplicate({ enableReadyCheck: false });
      subscriber.on('message', (channel: string, raw: string) => this.onMessage(channel, raw));
      subscriber.on('error', () => undefined); // logged by the main client's handler
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  private onMessage(channel: string, raw: string): void {
    if (!channel.startsWith(this.channelPrefix)) return;
    const key = channel.slice(this.channelPrefix.length) as Key;
    const local = this.peers.get(key);
    // This replica's own payload: its peers had it when it was published.
    if (local === undefined || raw.endsWith(this.ownTag)) return;
    let payload: Payload;
    try {
      payload = JSON.parse(raw) as Payload;
    } catch {
      this.options.log.warn(`ignored a malformed fan-out payload on ${channel}`);
      return;
    }
    this.options.deliver(local, payload);
  }
}
