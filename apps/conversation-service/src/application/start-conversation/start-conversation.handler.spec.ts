import { ConflictError, ForbiddenError, newId, ValidationError } from '@ajla/shared-kernel';
import { aCaller, aUserId, InMemoryConversations } from '../../../test/fakes';
import { ConversationStarted } from '../../domain/conversation/conversation-started.domain-event';
import { MessageCreated } from '../../domain/conversation/message-created.domain-event';
import { StartConversationHandler } from './start-conversation.handler';

describe('StartConversationHandler', () => {
  let conversations: InMemoryConversations;
  let handler: StartConversationHandler;
  const client = aUserId();
  const command = () => ({
    conversationId: newId(),
    requestId: newId(),
    userId: client,
    description: 'A table for two',
    createdAt: '2026-11-22T10:00:00.000Z',
  });

  beforeEach(() => {
    conversations = new InMemoryConversations();
    handler = new StartConversationHandler(conversations);
  });

  it('opens the conversation once: a second call (or the event) changes nothing', async () => {
    const input = command();
    const first = await handler.execute(input);
    expect(first.created).toBe(true);
    expect(first.conversation.id).toBe(input.conversationId);
    expect(conversations.outbox.map((e) => e.constructor)).toEqual([
      ConversationStarted,
      MessageCreated,
    ]);
    const second = await handler.execute({ ...input, requestedBy: aCaller('user', client) });
    expect(second.created).toBe(false);
    expect(second.conversation.createdAt).toEqual(new Date(input.createdAt));
    expect(conversations.outbox).toHaveLength(2);
    const messages = await conversations.messagesAfter(first.conversation.id, 0, 10);
    expect(messages.map((m) => [m.seq, m.senderType, m.content])).toEqual([
      [1, 'user', 'A table for two'],
    ]);
  });

  it("lets the request's client or staff ask, nobody else", async () => {
    await expect(handler.execute({ ...command(), requestedBy: aCaller('user') })).rejects.toThrow(
      ForbiddenError,
    );
    await expect(
      handler.execute({ ...command(), requestedBy: aCaller('agent') }),
    ).resolves.toMatchObject({ created: true });
  });

  it('refuses an id taken by another request, and a request with another conversation', async () => {
    const input = command();
    await handler.execute(input);
    await expect(handler.execute({ ...input, requestId: newId() })).rejects.toThrow(ConflictError);
    await expect(handler.execute({ ...input, conversationId: newId() })).rejects.toThrow(
      ConflictError,
    );
  });

  it.each([
    [{ description: '  ' }],
    [{ description: 'x'.repeat(5001) }],
    [{ createdAt: 'yesterday' }],
    [{ userId: 'someone' }],
    [{ conversationId: 'c1' }],
  ])('refuses %p', async (bad) => {
    await expect(handler.execute({ ...command(), ...bad })).rejects.toThrow(ValidationError);
  });
});
