import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { uniqueRedisPrefix } from '@ajla/testing';
import type { ConversationServiceConfig } from '../../config/conversation-service.config';
import type { ConversationId } from '../../domain/ids';
import { InMemoryConversations, aStoredConversation, aUserId } from '../../../test/fakes';
import { ChatHub, type ChatPeer, type MessageFrame } from './chat-hub';

function peer(conversationId: string): ChatPeer & { events: string[]; messages: MessageFrame[] } {
  const events: string[] = [];
  const messages: MessageFrame[] = [];
  return {
    id: randomUUID(),
    conversationId: conversationId as ConversationId,
    events,
    messages,
    offerMessage: (m: MessageFrame) => messages.push(m),
    sendEvent: (frame: string) => events.push(frame),
  };
}

const until = async (done: () => boolean) => {
  const deadline = Date.now() + 5000;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
};

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
    await until(() => listener.events.length > 0);
    expect(JSON.parse(listener.events[0])).toMatchObject({ type: 'read', seq: 7 });
    await here.close();
    await there.close();
  });

  it("hands a stored message and typing to this replica's peers at once, once; typing to all but its sender", async () => {
    const conversations = new InMemoryConversations();
    const conversation = await aStoredConversation(conversations, aUserId());
    const [opening] = await conversations.messagesAfter(conversation.id, 0, 1);
    const hub = new ChatHub(redis, { REDIS_KEY_PREFIX: prefix } as ConversationServiceConfig);
    const [typist, reader] = [peer(conversation.id), peer(conversation.id)];
    await hub.join(conversation.id, typist);
    await hub.join(conversation.id, reader);
    hub.messageStored(opening);
    expect(reader.messages.map((m) => m.seq)).toEqual([1]); // before any round trip
    expect(JSON.parse(reader.messages[0].frame)).toMatchObject({
      type: 'message',
      message: { seq: 1 },
    });
    hub.typing(typist, aUserId(), true);
    expect(reader.events).toHaveLength(1); // before any round trip too
    expect(JSON.parse(reader.events[0])).toMatchObject({ type: 'typing', is_typing: true });
    // What Redis brings back to the publishing replica is dropped: nothing arrives twice.
    const listener = peer(conversation.id);
    const there = new ChatHub(redis, { REDIS_KEY_PREFIX: prefix } as ConversationServiceConfig);
    await there.join(conversation.id, listener);
    hub.readMoved(conversation.id, aUserId(), 1);
    await until(() => listener.events.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reader.messages.map((m) => m.seq)).toEqual([1]);
    expect(reader.events.map((e) => JSON.parse(e).type)).toEqual(['typing', 'read']);
    expect(typist.events.map((e) => JSON.parse(e).type)).toEqual(['read']);
    await there.close();
    await hub.close();
  });
});
