import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { RedisFanout } from './redis-fanout';

/** The subscriber connection: SUBSCRIBE/UNSUBSCRIBE, and `message` events from the fake server. */
class FakeSubscriber extends EventEmitter {
  status = 'ready';
  readonly channels: string[] = [];
  failNextSubscribe = false;

  async subscribe(channel: string): Promise<number> {
    if (this.failNextSubscribe) {
      this.failNextSubscribe = false;
      throw new Error('connection lost');
    }
    this.channels.push(channel);
    return this.channels.length;
  }

  async unsubscribe(channel: string): Promise<number> {
    this.channels.splice(this.channels.indexOf(channel), 1);
    return this.channels.length;
  }

  async quit(): Promise<'OK'> {
    this.status = 'end';
    return 'OK';
  }
}

/** The main client: records what is published; `failing` makes every publish fail. */
class FakeRedis {
  readonly subscriber = new FakeSubscriber();
  readonly published: Array<[string, string]> = [];
  duplicates = 0;
  failing = false;

  duplicate(): FakeSubscriber {
    this.duplicates++;
    return this.subscriber;
  }

  async publish(channel: string, message: string): Promise<number> {
    if (this.failing) throw new Error('Redis is away');
    this.published.push([channel, message]);
    return 1;
  }

  pipeline() {
    const queued: Array<[string, string]> = [];
    const pipeline = {
      publish: (channel: string, message: string) => {
        queued.push([channel, message]);
        return pipeline;
      },
      exec: async () => {
        if (this.failing) throw new Error('Redis is away');
        this.published.push(...queued);
        return queued.map((_, i) => [i === 1 ? new Error('one failed') : null, 1]);
      },
    };
    return pipeline;
  }
}

type Payload = { n: number };

describe('RedisFanout', () => {
  let redis: FakeRedis;
  let delivered: Array<[string[], Payload]>;
  let log: { warn: jest.Mock };
  let fanout: RedisFanout<string, string, Payload>;

  /** What reaches this replica's subscriber on `channel`. */
  const fromRedis = (channel: string, message: string) =>
    redis.subscriber.emit('message', channel, message);

  beforeEach(() => {
    redis = new FakeRedis();
    delivered = [];
    log = { warn: jest.fn() };
    fanout = new RedisFanout({
      redis: redis as unknown as Redis,
      channelPrefix: 'p:things:',
      deliver: (peers, payload) => delivered.push([[...peers], payload]),
      log,
    });
  });

  it('subscribes a key once, on its first peer, and unsubscribes it with its last', async () => {
    await fanout.join('k1', 'a');
    await fanout.join('k1', 'b');
    await fanout.join('k2', 'c');
    expect(redis.duplicates).toBe(1);
    expect(redis.subscriber.channels).toEqual(['p:things:k1', 'p:things:k2']);
    expect(fanout.size).toBe(3);
    fanout.leave('k1', 'a');
    fanout.leave('k1', 'unknown');
    expect(redis.subscriber.channels).toEqual(['p:things:k1', 'p:things:k2']);
    fanout.leave('k1', 'b');
    await Promise.resolve();
    expect(redis.subscriber.channels).toEqual(['p:things:k2']);
    expect(fanout.size).toBe(1);
  });

  it("hands a message from Redis to the key's peers on this replica, decoded once", async () => {
    await fanout.join('k1', 'a');
    await fanout.join('k1', 'b');
    await fanout.join('k2', 'c');
    fromRedis('p:things:k1', '{"n":1}');
    fromRedis('p:things:k3', '{"n":2}'); // no peer here
    fromRedis('other:k1', '{"n":3}'); // not this fan-out's
    expect(delivered).toEqual([[['a', 'b'], { n: 1 }]]);
  });

  it('ignores a malformed payload, and says so', async () => {
    await fanout.join('k1', 'a');
    fromRedis('p:things:k1', 'not json');
    expect(delivered).toEqual([]);
    expect(log.warn).toHaveBeenCalledWith('ignored a malformed fan-out payload on p:things:k1');
  });

  it("hands what it publishes to this replica's peers of the key at once, the others' not", async () => {
    await fanout.join('k1', 'a');
    await fanout.join('k2', 'b');
    fanout.publish('k1', { n: 1 });
    await fanout.publishEach(
      [2, 3],
      (n) => `k${n}`,
      (n) => ({ n }),
    );
    expect(delivered).toEqual([
      [['a'], { n: 1 }],
      [['b'], { n: 2 }],
    ]);
  });

  it('drops the copy of its own payload that Redis brings back, unread; delivers the others', async () => {
    await fanout.join('k1', 'a');
    fanout.publish('k1', { n: 1 });
    const [[, own]] = redis.published as [[string, string]];
    fromRedis('p:things:k1', own);
    expect(delivered).toEqual([[['a'], { n: 1 }]]);
    // Another replica's payload, tagged with its own origin: delivered, the tag ignored.
    fromRedis('p:things:k1', '{"n":2,"r":"another-replica"}');
    expect(delivered).toEqual([
      [['a'], { n: 1 }],
      [['a'], { n: 2, r: 'another-replica' }],
    ]);
  });

  it("publishes JSON tagged with this replica's origin on the key's channel, logging what fails", async () => {
    fanout.publish('k1', { n: 1 });
    await fanout.publishEach(
      [2, 3],
      (n) => `k${n}`,
      (n) => ({ n }),
    );
    const tag = /,"r":"[\w-]{12}"}$/;
    expect(redis.published.map(([channel]) => channel)).toEqual([
      'p:things:k1',
      'p:things:k2',
      'p:things:k3',
    ]);
    for (const [, message] of redis.published) expect(message).toMatch(tag);
    expect(redis.published.map(([, message]) => JSON.parse(message).n)).toEqual([1, 2, 3]);
    // One origin for everything this replica publishes.
    expect(new Set(redis.published.map(([, message]) => message.slice(-16))).size).toBe(1);
    expect(log.warn).toHaveBeenCalledWith('1 fan-out publish(es) failed');
    redis.failing = true;
    fanout.publish('k1', { n: 4 });
    await expect(
      fanout.publishEach(
        [5],
        () => 'k5',
        (n) => ({ n }),
      ),
    ).resolves.toBeUndefined();
    await new Promise((resolve) => setImmediate(resolve));
    expect(log.warn).toHaveBeenCalledWith('fan-out to k1 failed: Redis is away');
    expect(log.warn).toHaveBeenCalledWith('fan-out publishes failed: Redis is away');
  });

  it('publishes nothing for no items', async () => {
    await fanout.publishEach(
      [],
      () => 'k',
      () => ({ n: 0 }),
    );
    expect(redis.published).toEqual([]);
  });

  it('lets a join fail with its subscription, and the next join of the key subscribe again', async () => {
    redis.subscriber.failNextSubscribe = true;
    await expect(fanout.join('k1', 'a')).rejects.toThrow('connection lost');
    await fanout.join('k1', 'b');
    expect(redis.subscriber.channels).toEqual(['p:things:k1']);
  });

  it('closes its subscriber connection and forgets every peer', async () => {
    await fanout.join('k1', 'a');
    await fanout.close();
    expect(redis.subscriber.status).toBe('end');
    expect(fanout.size).toBe(0);
    fromRedis('p:things:k1', '{"n":1}');
    expect(delivered).toEqual([]);
    await fanout.close(); // twice: nothing more to close
  });
});
