import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
// Test-only dependency on the test helpers (the boundary rule does not tell spec files apart).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { uniqueRedisPrefix } from '@ajla/testing';
import { RedisFanout } from './redis-fanout';

type Payload = { n: number };

describe('RedisFanout with a real Redis', () => {
  let redis: Redis;
  const prefix = uniqueRedisPrefix('fanout');
  const log = { warn: jest.fn() };

  const fanout = (delivered: Array<[string, Payload]> = []) =>
    new RedisFanout<string, string, Payload>({
      redis,
      channelPrefix: `${prefix}things:`,
      deliver: (peers, payload) => {
        for (const peer of peers) delivered.push([peer, payload]);
      },
      log,
    });

  const until = async (done: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + 5000;
    while (!(await done()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };

  beforeEach(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: prefix });
  });
  afterEach(async () => {
    await redis.quit();
  });

  // Regression: SUBSCRIBEs written while the subscriber connection was still being checked put it
  // in subscriber mode first, the INFO of ioredis' ready check then failed, and sockets opened in
  // that moment were closed with 1011 ("Connection in subscriber mode").
  it('lets hundreds of peers join at once while its subscriber connection is still opening', async () => {
    for (let round = 0; round < 5; round++) {
      const hub = fanout();
      const first = hub.join(randomUUID(), 'first');
      // The moment the subscriber's TCP connection is up but not yet checked ready.
      const subscriber = (hub as unknown as { subscriber: Redis }).subscriber;
      while (subscriber.status === 'connecting' || subscriber.status === 'wait') {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const joins = [first];
      for (let i = 0; i < 200; i++) joins.push(hub.join(randomUUID(), `peer ${i}`));
      const results = await Promise.allSettled(joins);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      await hub.close();
    }
  }, 20_000);

  it("delivers what a replica publishes to the key's peers on every replica, each once", async () => {
    const key = randomUUID();
    const delivered: Array<[string, Payload]> = [];
    const here = fanout(delivered);
    const there = fanout(delivered);
    await here.join(key, 'a');
    await here.join(key, 'b');
    await here.join(randomUUID(), 'elsewhere');
    // A peer on the publishing replica: it gets the payloads at once, and not again from Redis.
    await there.join(key, 'c');
    there.publish(key, { n: 1 });
    await there.publishEach(
      [2, 3],
      () => key,
      (n) => ({ n }),
    );
    await until(() => delivered.length >= 9);
    // Whatever else Redis might bring back (a second copy) has had its time.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const seen = delivered.map(([peer, payload]) => `${peer}${payload.n}`).sort();
    expect(seen).toEqual(['a1', 'a2', 'a3', 'b1', 'b2', 'b3', 'c1', 'c2', 'c3']);
    await here.close();
    await there.close();
  });

  it('subscribes a key with its first peer and unsubscribes it with its last', async () => {
    const key = randomUUID();
    const channel = `${prefix}things:${key}`;
    // Subscribers of the channel, every client's (PUBSUB NUMSUB).
    const subscribers = async () =>
      Number(((await redis.pubsub('NUMSUB', channel)) as unknown[])[1]);
    const here = fanout();
    await here.join(key, 'a');
    await here.join(key, 'b');
    expect(await subscribers()).toBe(1);
    here.leave(key, 'a');
    expect(await subscribers()).toBe(1);
    here.leave(key, 'b');
    await until(async () => (await subscribers()) === 0);
    expect(await subscribers()).toBe(0);
    await here.close();
  });
});
