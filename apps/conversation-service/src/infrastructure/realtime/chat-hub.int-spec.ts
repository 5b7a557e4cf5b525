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

// How the fan-out subscribes and unsubscribes is the platform's (`RedisFanout`, with its own
// int-spec); here, what the chat puts through it.
describe('ChatHub with a real Redis', () => {
  let redis: Redis;
  const prefix = uniqueRedisPrefix('chat-hub');

  beforeEach(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: prefix });
  });
  afterEach(async () => {
    await redis.quit();
  });

  it('delivers events published by another hub (another replica) to the peers of a conversation', async () => {
    const conversationId = randomUUID();
    const here = new ChatHub(redis, { REDIS_KEY_PREFIX: prefix } as ConversationServiceConfig);
    const there = new ChatHub(redis, { REDIS_KEY_PREFIX: prefix } as ConversationServiceConfig);
    const listener = peer(conversationId);
    await here.join(listener.conversationId, listener);
    there.readMoved(conversationId as ConversationId, randomUUID() as never, 7);
    const deadline = Date.now() + 5000;
    while (listener.events.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse(listener.events[0])).toMatchObject({ type: 'read', seq: 7 });
    await here.close();
    await there.close();
  });
});
