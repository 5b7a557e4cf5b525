import { Redis } from 'ioredis';
import { createRedisClient } from '@ajla/platform';
import { freePort, uniqueRedisPrefix } from '@ajla/testing';
import { RateLimitStoreUnavailableError, RedisSlidingWindow } from './sliding-window';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('RedisSlidingWindow (real Redis)', () => {
  let prefix: string;
  let redis: Redis;
  let plain: Redis;
  let window: RedisSlidingWindow;

  beforeEach(async () => {
    prefix = uniqueRedisPrefix('rate');
    redis = createRedisClient({ REDIS_URL, REDIS_KEY_PREFIX: prefix });
    plain = new Redis(REDIS_URL);
    await redis.ping();
    window = new RedisSlidingWindow(redis);
  });

  afterEach(async () => {
    const keys = await plain.keys(`${prefix}*`);
    if (keys.length > 0) await plain.del(...keys);
    await Promise.all([redis.quit(), plain.quit()]);
  });

  it('lets the limit through, counting down, then refuses without counting', async () => {
    const counter = [{ key: 'a', limit: 3 }];
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const verdict = await window.hit(counter, 60);
      expect(verdict.allowed).toBe(true);
      remaining.push(verdict.remaining[0]!);
    }
    expect(remaining).toEqual([2, 1, 0]);

    const refused = await window.hit(counter, 60);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(120_000);
    expect(refused.remaining).toEqual([0]);
    const [field, count] = Object.entries(await plain.hgetall(`${prefix}a`))[0]!;
    expect(field).toMatch(/^\d+$/);
    expect(count).toBe('3');
  });

  it('counts a request on every counter only when all have room', async () => {
    await window.hit([{ key: 'user', limit: 1 }], 60);
    const refused = await window.hit(
      [
        { key: 'address', limit: 10 },
        { key: 'user', limit: 1 },
      ],
      60,
    );
    expect(refused).toMatchObject({ allowed: false, remaining: [10, 0] });
    // The address was not counted for the refused request.
    expect(await window.hit([{ key: 'address', limit: 10 }], 60)).toMatchObject({
      allowed: true,
      remaining: [9],
    });
  });

  it('keeps its keys under the client prefix, expiring after two windows', async () => {
    await window.hit([{ key: 'rate:read:address:127.0.0.1', limit: 5 }], 30);
    expect(await plain.keys(`${prefix}*`)).toEqual([`${prefix}rate:read:address:127.0.0.1`]);
    const ttl = await plain.pttl(`${prefix}rate:read:address:127.0.0.1`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('slides: after the retry delay it asked for, the next request passes', async () => {
    const counter = [{ key: 'slide', limit: 2 }];
    await window.hit(counter, 1);
    await window.hit(counter, 1);
    const refused = await window.hit(counter, 1);
    expect(refused.allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, refused.retryAfterMs));
    expect((await window.hit(counter, 1)).allowed).toBe(true);
  });

  it('loads its script again when Redis has forgotten it', async () => {
    await window.hit([{ key: 'flush', limit: 5 }], 60);
    await plain.script('FLUSH');
    expect(await window.hit([{ key: 'flush', limit: 5 }], 60)).toMatchObject({
      allowed: true,
      remaining: [3],
    });
  });

  it('claims room for requests to come, at most its share of the room left, and gives it back', async () => {
    const counter = [{ key: 'claim', limit: 100 }];
    // 100 left: a claim may take an eighth of it.
    const first = await window.claim(counter, 60, 50);
    expect(first).toMatchObject({ allowed: true, granted: 12, remaining: [88] });
    expect(await window.claim(counter, 60, 5)).toMatchObject({ granted: 5, remaining: [83] });
    await window.giveBack([{ counters: counter, windowIndex: first.windowIndex, count: 10 }]);
    expect(Number(await plain.hget(`${prefix}claim`, String(first.windowIndex)))).toBe(7);
    // Never below zero, and nothing for a window no longer kept.
    await window.giveBack([{ counters: counter, windowIndex: first.windowIndex, count: 50 }]);
    await window.giveBack([{ counters: counter, windowIndex: first.windowIndex - 5, count: 1 }]);
    expect(await plain.hgetall(`${prefix}claim`)).toEqual({ [String(first.windowIndex)]: '0' });
  });

  it('counts each request on its own near the limit, and a refused claim counts nothing', async () => {
    const counter = [{ key: 'near', limit: 10 }];
    // 10 left: an eighth is 1.
    expect(await window.claim(counter, 60, 8)).toMatchObject({ granted: 1, remaining: [9] });
    for (let i = 0; i < 9; i++) {
      expect(await window.claim(counter, 60, 8)).toMatchObject({ allowed: true, granted: 1 });
    }
    const refused = await window.claim(counter, 60, 8);
    expect(refused).toMatchObject({ allowed: false, granted: 0, remaining: [0] });
    expect(Object.values(await plain.hgetall(`${prefix}near`))).toEqual(['10']);
  });

  it('refuses to answer at once while Redis is unreachable', async () => {
    const dead = createRedisClient({
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      REDIS_KEY_PREFIX: prefix,
    });
    try {
      await expect(
        new RedisSlidingWindow(dead).hit([{ key: 'x', limit: 1 }], 60),
      ).rejects.toBeInstanceOf(RateLimitStoreUnavailableError);
    } finally {
      dead.disconnect();
    }
  });
});
