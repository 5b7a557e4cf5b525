import { NotFoundError, newId, ValidationError } from '@ajla/shared-kernel';
import {
  aCaller,
  aStoredConversation,
  FixedClock,
  InMemoryConversations,
  RecordingNotifier,
} from '../../../test/fakes';
import type { Conversation } from '../../domain/conversation/conversation.aggregate';
import { MessageCreated } from '../../domain/conversation/message-created.domain-event';
import type { Caller } from '../ports/caller';
import { PostMessageHandler } from './post-message.handler';

describe('PostMessageHandler', () => {
  const clock = new FixedClock();
  let conversations: InMemoryConversations;
  let notifier: RecordingNotifier;
  let handler: PostMessageHandler;
  let client: Caller;
  let conversation: Conversation;

  beforeEach(async () => {
    conversations = new InMemoryConversations();
    notifier = new RecordingNotifier();
    handler = new PostMessageHandler(conversations, conversations, notifier, clock);
    client = aCaller('user');
    conversation = await aStoredConversation(conversations, client.id);
  });

  const post = (caller: Caller, content: string, clientId?: string) =>
    handler.execute({ caller, conversationId: conversation.id, content, clientId });

  it('stores each message at the next seq, records message.created and tells the sockets', async () => {
    const first = await post(client, '  Could we make it 9 pm?  ');
    expect(first.created).toBe(true);
    expect(first.message).toMatchObject({
      seq: 2,
      senderId: client.id,
      senderType: 'user',
      content: 'Could we make it 9 pm?',
    });
    const agent = aCaller('agent');
    const second = await post(agent, 'Of course');
    expect(second.message).toMatchObject({ seq: 3, senderType: 'admin' });
    expect(conversations.outbox.map((e) => e.constructor)).toEqual([
      MessageCreated,
      MessageCreated,
    ]);
    expect(notifier.messages.map((m) => m.seq)).toEqual([2, 3]);
  });

  it('answers a resent client id with the message first created, storing nothing and telling the sockets again', async () => {
    const clientId = newId();
    const first = await post(client, 'hello', clientId);
    const again = await post(client, 'hello, again', clientId);
    expect(again).toEqual({ message: first.message, created: false });
    // The replica that stored it may have died before telling anyone: told again on the resend.
    expect(notifier.messages.map((m) => m.seq)).toEqual([2, 2]);
    expect(conversations.outbox).toHaveLength(1);
    expect(await conversations.messagesAfter(conversation.id, 0, 10)).toHaveLength(2);
  });

  it('is 404 for another client and for a conversation that does not exist', async () => {
    await expect(post(aCaller('user'), 'hi')).rejects.toThrow(NotFoundError);
    await expect(
      handler.execute({ caller: client, conversationId: newId(), content: 'hi' }),
    ).rejects.toThrow(NotFoundError);
    expect(notifier.messages).toHaveLength(0);
  });

  it.each([
    ['   ', undefined, 'empty_content'],
    ['x'.repeat(4001), undefined, 'content_too_long'],
    ['hi', 'not-a-uuid', 'invalid_id'],
  ])('refuses content %p with client id %p', async (content, clientId, reason) => {
    await expect(post(client, content, clientId)).rejects.toThrow(ValidationError);
    await expect(post(client, content, clientId)).rejects.toThrow(
      expect.objectContaining({ reason }),
    );
  });
});
