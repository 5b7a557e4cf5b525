import { Redis } from 'ioredis';
import { createRedisClient } from '@ajla/platform';
import { uniqueRedisPrefix } from '@ajla/testing';
import { LEASE_MS, LeasedSlidingWindow } from './leased-sliding-window';
import { RedisSlidingWindow } from './sliding-window';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two gateway replicas, each with its own connection and leases, counting in one Redis. */
describe('LeasedSlidingWindow (real Redis, two replicas)', () => {
  let prefix: string;
  let clients: Redis[];
  let plain: Redis;
  let replicas: LeasedSlidingWindow[];

  beforeEach(async () => {
    prefix = uniqueRedisPrefix('lease');
    clients = [0, 1].map(() => createRedisClient({ REDIS_URL, REDIS_KEY_PREFIX: prefix }));
    plain = new Redis(REDIS_URL);
    await Promise.all(clients.map((client) => client.ping()));
    // A generous store timeout: hundreds of claims at once on a busy CI machine are not what these
    // tests are about (the limiter fails open on a timeout; sliding-window.int-spec tests that).
    replicas = clients.map(
      (client) => new LeasedSlidingWindow(new RedisSlidingWindow(client, 10_000)),
    );
  });

  afterEach(async () => {
    await Promise.all(replicas.map((replica) => replica.close()));
    const keys = await plain.keys(`${prefix}*`);
    if (keys.length > 0) await plain.del(...keys);
    await Promise.all([...clients, plain].map((client) => client.quit()));
  });

  const stored = async (key: string): Promise<number> =>
    Object.values(await plain.hgetall(`${prefix}${key}`)).reduce((sum, n) => sum + Number(n), 0);

  it('never lets more than the limit through across replicas hammering one subject', async () => {
    const counters = [
      { key: 'address', limit: 1000 },
      { key: 'user', limit: 300 },
    ];
    const verdicts = await Promise.all(
      Array.from({ length: 900 }, (_, i) => replicas[i % 2]!.hit(counters, 60)),
    );
    const allowed = verdicts.filter((verdict) => verdict.allowed).length;
    expect(allowed).toBeLessThanOrEqual(300);
    // Near the limit each request is counted on its own, so a lease that one replica holds
    // unused while the other is refused is a request or two at most.
    expect(allowed).toBeGreaterThanOrEqual(298);
    // Leases hold counts for a moment; once given back, the store counts what went through.
    await Promise.all(replicas.map((replica) => replica.close()));
    expect(await stored('user')).toBe(allowed);
    expect(await stored('address')).toBe(allowed);
  });

  it('asks the store far less often than once per request while far from the limit', async () => {
    const counters = [{ key: 'busy', limit: 1_000_000 }];
    const claims = jest.spyOn(RedisSlidingWindow.prototype, 'claim');
    try {
      for (let i = 0; i < 400; i++) {
        expect((await replicas[0]!.hit(counters, 60)).allowed).toBe(true);
      }
      expect(claims.mock.calls.length).toBeLessThan(20);
    } finally {
      claims.mockRestore();
    }
  });

  it('gives back what a lease did not use once it expires', async () => {
    const counters = [{ key: 'idle', limit: 1_000_000 }];
    for (let i = 0; i < 64; i++) await replicas[0]!.hit(counters, 60);
    // The last lease asked for more than the requests that follow.
    await replicas[0]!.hit(counters, 60);
    const deadline = Date.now() + 20 * LEASE_MS;
    while ((await stored('idle')) !== 65 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS));
    }
    expect(await stored('idle')).toBe(65);
  });

  it('reports the room left from its replica view, falling by one per request', async () => {
    const counters = [{ key: 'room', limit: 1000 }];
    const remaining: number[] = [];
    for (let i = 0; i < 40; i++) {
      remaining.push((await replicas[0]!.hit(counters, 60)).remaining[0]!);
    }
    expect(remaining).toEqual(Array.from({ length: 40 }, (_, i) => 999 - i));
  });
});
