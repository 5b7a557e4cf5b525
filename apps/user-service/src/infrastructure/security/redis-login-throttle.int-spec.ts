import { createRedisClient } from '@ajla/platform';
import { uniqueRedisPrefix } from '@ajla/testing';
import type { Redis } from 'ioredis';
import type { LoginAdmission, LoginAttemptSource } from '../../domain/login/login-throttle.port';
import { LOGIN_THROTTLE_POLICY } from '../../domain/login/login-throttle.port';
import { RedisLoginThrottle } from './redis-login-throttle';

describe('RedisLoginThrottle (real Redis)', () => {
  const prefix = uniqueRedisPrefix('user-service-throttle');
  let redis: Redis;
  let throttle: RedisLoginThrottle;
  let n = 0;

  beforeAll(() => {
    redis = createRedisClient({
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
    });
    throttle = new RedisLoginThrottle(redis, LOGIN_THROTTLE_POLICY);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((k) => k.slice(prefix.length)));
    await redis.quit();
  });

  /** A source no other test uses. */
  const fresh = (): LoginAttemptSource => {
    n += 1;
    return { account: `throttle.${n}@ajla.test`, address: `192.0.2.${n}` };
  };

  async function fail(source: LoginAttemptSource, times: number): Promise<void> {
    for (let i = 0; i < times; i++) {
      const admission = await throttle.admit(source);
      if (!admission.admitted) throw new Error(`refused at failure ${i + 1}`);
      await admission.attempt.failed();
    }
  }

  const refused = (a: LoginAdmission) => (a.admitted ? undefined : a.retryAfterSeconds);

  it('refuses an account after 10 failures until the window passes, and says how long', async () => {
    const source = fresh();
    await fail(source, 10);

    const admission = await throttle.admit({ ...source, address: '198.51.100.200' });

    expect(admission.admitted).toBe(false);
    expect(refused(admission)).toBeGreaterThan(15 * 60 - 5);
    expect(refused(admission)).toBeLessThanOrEqual(15 * 60);
  });

  it('refuses an address after 100 failures across accounts, not the same account elsewhere', async () => {
    const source = fresh();
    for (let i = 0; i < 100; i++)
      await fail({ account: `many.${n}.${i}@ajla.test`, address: source.address }, 1);

    expect((await throttle.admit(source)).admitted).toBe(false);
    expect((await throttle.admit({ ...source, address: '198.51.100.201' })).admitted).toBe(true);
  });

  it('never counts successes, and a success starts the account over', async () => {
    const source = fresh();
    for (let i = 0; i < 30; i++) {
      const admission = await throttle.admit(source);
      if (!admission.admitted) throw new Error('refused a success');
      await admission.attempt.succeeded();
    }
    await fail(source, 9);
    const ok = await throttle.admit(source);
    if (!ok.admitted) throw new Error('refused before the limit');
    await ok.attempt.succeeded();
    await fail(source, 10);
    expect((await throttle.admit(source)).admitted).toBe(false);
  });

  it('does not reset the address counter on a success', async () => {
    const source = fresh();
    for (let i = 0; i < 99; i++)
      await fail({ account: `other.${n}.${i}@ajla.test`, address: source.address }, 1);
    const success = await throttle.admit(source);
    if (!success.admitted) throw new Error('refused before the limit');
    await success.attempt.succeeded();
    await fail({ account: `last.${n}@ajla.test`, address: source.address }, 1);

    expect((await throttle.admit(source)).admitted).toBe(false);
  });

  it('lets no more than the limit through when many attempts arrive at once', async () => {
    const source = fresh();
    const admissions = await Promise.all(Array.from({ length: 30 }, () => throttle.admit(source)));
    expect(admissions.filter((a) => a.admitted)).toHaveLength(10);
  });

  it('keeps its keys under the prefix, with an expiry, and no e-mail in them', async () => {
    const source = fresh();
    await fail(source, 1);
    const keys = await redis.keys(`${prefix}login-failures:*`);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.join(' ')).not.toContain('@');
    for (const key of keys) {
      expect(await redis.pttl(key.slice(prefix.length))).toBeGreaterThan(0);
    }
  });

  it('expires a window after its time (short policy)', async () => {
    const quick = new RedisLoginThrottle(redis, {
      maxFailuresPerAccount: 2,
      maxFailuresPerAddress: 50,
      windowSeconds: 1,
    });
    const source = fresh();
    for (let i = 0; i < 2; i++) {
      const a = await quick.admit(source);
      if (a.admitted) await a.attempt.failed();
    }
    const blocked = await quick.admit(source);
    expect(refused(blocked)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await quick.admit(source)).admitted).toBe(true);
  });
});
