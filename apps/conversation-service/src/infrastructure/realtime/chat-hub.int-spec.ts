import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { uniqueRedisPrefix } from '@ajla/testing';
import type { ConversationServiceConfig } from '../../config/conversation-service.config';
import type { ConversationId } from '../../domain/ids';
import { ChatHub, type ChatPeer, type MessageFrame } from './chat-hub';

function peer(conversationId: string): ChatPeer & { events: string[] } {
  const events: string[] = [];
  return {
    id: randomUUID(),
    conversationId: conversationId as ConversationId,
    events,
    offerMessage: (_m: MessageFrame) => undefined,
    sendEvent: (frame: string) => events.push(frame),
  };
}

describe('ChatHub with a real Redis', () => {
  let redis: Redis;
  const prefix = uniqueRedisPrefix('chat-hub');

  beforeEach(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: prefix });
  });
  afterEach(async () => {
    await redis.quit();
  });

  // Regression: SUBSCRIBEs written while the subscriber connection was still being checked put it
  // in subscriber mode first, the INFO of ioredis' ready check then failed, and sockets opened in
  // that moment were closed with 1011 ("Connection in subscriber mode").
  it('lets hundreds of sockets join at once while its subscriber connection is still opening', async () => {
    for (let round = 0; round < 5; round++) {
      const hub = new ChatHub(redis, { REDIS_KEY_PREFIX: prefix } as ConversationServiceConfig);
      const first = hub.join(peer(randomUUID()));
      // The moment the subscriber's TCP connection is up but not yet checked ready.
      const subscriber = (hub as unknown as { subscriber: Redis }).subscriber;
      while (subscriber.status === 'connecting' || subscriber.status === 'wait') {
        await new Promise((resolve) => setImmediate(resolve));
      }
      const joins = [first];
      for (let i = 0; i < 200; i++) joins.push(hub.join(peer(randomUUID())));
      const results = await Promise.allSettled(joins);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      await hub.close();
    }
  }, 20_000);

  it('delivers events published by another hub (another replica) to the peers of a conversation', async () => {
    const conversationId = randomUUID();
    const here = new ChatHub(redis, { REDIS_KEY_PREFIX: prefix } as ConversationServiceConfig);
    const there = new ChatHub(redis, { REDIS_KEY_PREFIX: prefix } as ConversationServiceConfig);
    const listener = peer(conversationId);
    await here.join(listener);
    there.readMoved(conversationId as ConversationId, randomUUID() as never, 7);
    const deadline = Date.now() + 5000;
    while (listener.events.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse(listener.events[0])).toMatchObject({ type: 'read', seq: 7 });
    await here.close();
    await there.close();
  });
});
