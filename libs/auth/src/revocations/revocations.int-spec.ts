import { randomUUID } from 'node:crypto';
import { AddressInfo, Server, Socket, createServer, connect } from 'node:net';
import { Redis } from 'ioredis';
import { createRedisClient } from '@ajla/platform';
import { AuthenticatedUser } from '../tokens/access-token';
import { RedisRevocationFeed } from './redis-revocation-feed';
import { SessionRevocationPublisher } from './revocation-publisher';
import { RevocationFeedUnavailableError, SessionRevocations } from './session-revocations';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const GRACE_MS = 300;

/** Polls `probe` until it returns true, or fails after `ms`. */
async function within(ms: number, what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** What `admit` makes of a token: its role, `revoked`, or `unavailable`. */
function verdict(list: SessionRevocations, token: AuthenticatedUser): string {
  try {
    return list.admit(token).role;
  } catch (error) {
    if (error instanceof RevocationFeedUnavailableError) return 'unavailable';
    return (error as { reason?: string }).reason ?? String(error);
  }
}

/** A TCP link to Redis the test can cut, freeze (silently drop traffic) and restore. */
class RedisLink {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private frozen = false;
  port = 0;

  async open(): Promise<void> {
    const target = new URL(REDIS_URL);
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (data) => this.frozen || upstream.write(data));
      upstream.on('data', (data) => this.frozen || client.write(data));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  freeze(frozen: boolean): void {
    this.frozen = frozen;
  }
}

describe('session revocations through Redis', () => {
  const prefix = `test:revocations:${randomUUID()}:`;
  const config = { REDIS_URL, REDIS_KEY_PREFIX: prefix };
  let redis: Redis;
  let publisher: SessionRevocationPublisher;
  const feeds: RedisRevocationFeed[] = [];

  /** One "process": a list and the feed that keeps it current. */
  async function instance(url = REDIS_URL, graceMs = GRACE_MS) {
    const list = new SessionRevocations({ graceMs });
    const feed = new RedisRevocationFeed(list, { ...config, REDIS_URL: url }, graceMs, {
      heartbeatMs: 50,
      deadLinkMs: 1000,
    });
    feeds.push(feed);
    feed.start();
    return { list, feed };
  }

  const token = (sessionId: string, role: AuthenticatedUser['role'] = 'agent') => ({
    id: `user-of-${sessionId}`,
    role,
    tier: 25000,
    sessionId,
    issuedAt: Math.floor(Date.now() / 1000) - 60,
  });

  beforeAll(() => {
    redis = createRedisClient(config);
    publisher = new SessionRevocationPublisher(redis, {
      keyPrefix: prefix,
      accessTokenTtlSeconds: 900,
    });
  });

  afterAll(async () => {
    await Promise.all(feeds.map((feed) => feed.stop()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
    await redis.quit();
  });

  it('brings a revocation published by one process to another within a second', async () => {
    const here = await instance();
    const there = await instance();
    expect(await here.feed.whenSynced(5000)).toBe(true);
    expect(await there.feed.whenSynced(5000)).toBe(true);
    const sessionId = randomUUID();
    const t = token(sessionId);
    expect(verdict(there.list, t)).toBe('agent');

    await publisher.sessionRevoked({ sessionId, userId: t.id, at: new Date() });
    await publisher.accessChanged({
      userId: 'user-of-x',
      role: 'user',
      tier: 5000,
      at: new Date(),
    });

    await within(1000, 'the revocation reaching the other process', () =>
      ['session_revoked'].includes(verdict(there.list, t)),
    );
    await within(
      1000,
      'the access change reaching the other process',
      () => verdict(there.list, token('x')) === 'user',
    );
    expect(verdict(here.list, t)).toBe('session_revoked');
  });

  it('loads what was published before it started from the set', async () => {
    const sessionId = randomUUID();
    await publisher.sessionRevoked({ sessionId, userId: 'u', at: new Date() });
    // An entry no token can be subject to any more is dropped from the set, not loaded.
    const old = randomUUID();
    await publisher.sessionRevoked({
      sessionId: old,
      userId: 'u',
      at: new Date(Date.now() - 3_600_000),
    });

    const late = await instance();
    expect(await late.feed.whenSynced(5000)).toBe(true);
    expect(verdict(late.list, token(sessionId))).toBe('session_revoked');
    expect(verdict(late.list, token(old))).toBe('agent');
  });

  it('refuses (fails closed) once its link to Redis is lost for longer than the grace, and recovers', async () => {
    const link = new RedisLink();
    await link.open();
    const { list, feed } = await instance(link.url);
    expect(await feed.whenSynced(5000)).toBe(true);
    const sessionId = randomUUID();
    expect(verdict(list, token(sessionId))).toBe('agent');

    await link.cut();
    await within(
      2000,
      'refusals after the grace',
      () => verdict(list, token(sessionId)) === 'unavailable',
    );
    // Published while this process cannot hear it: the reload after reconnecting finds it.
    await publisher.sessionRevoked({ sessionId, userId: 'u', at: new Date() });

    await link.open();
    await within(5000, 'recovery after reconnecting', () => list.isCurrent);
    expect(verdict(list, token(sessionId))).toBe('session_revoked');
    expect(verdict(list, token(randomUUID()))).toBe('agent');
    await feed.stop();
    await link.cut();
  });

  it('refuses when the link goes silent without closing, and reconnects by itself', async () => {
    const link = new RedisLink();
    await link.open();
    const { list, feed } = await instance(link.url);
    expect(await feed.whenSynced(5000)).toBe(true);

    link.freeze(true);
    await within(
      2000,
      'refusals on a silent link',
      () => verdict(list, token('any')) === 'unavailable',
    );
    link.freeze(false); // the frozen connection is given up (deadLinkMs) and a new one made
    await within(5000, 'recovery on a new connection', () => list.isCurrent);
    await feed.stop();
    await link.cut();
  });
});
