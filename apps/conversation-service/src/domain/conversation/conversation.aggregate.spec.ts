import { MessageContent, newId } from '@ajla/shared-kernel';
import type { ClientMessageId, ConversationId, RequestId, UserId } from '../ids';
import { ConversationStarted } from './conversation-started.domain-event';
import { Conversation } from './conversation.aggregate';
import { MessageCreated } from './message-created.domain-event';
import { Message } from './message.aggregate';
import { OpeningText } from './opening-text.value-object';

const userId = () => newId<'UserId'>() as UserId;

function started(description = 'A table for two 🍽️') {
  return Conversation.start({
    id: newId<'ConversationId'>() as ConversationId,
    requestId: newId<'RequestId'>() as RequestId,
    userId: userId(),
    description: OpeningText.create(description),
    createdAt: new Date('2026-11-22T10:00:00.000Z'),
  });
}

describe('Conversation', () => {
  it("starts with the request's description as message 1 from the client, recording both events", () => {
    const { conversation, opening } = started('  Two seats to Petra — رحلة  ');
    expect(conversation.lastSeq).toBe(1);
    expect(opening).toMatchObject({
      seq: 1,
      conversationId: conversation.id,
      senderId: conversation.userId,
      senderType: 'user',
      content: 'Two seats to Petra — رحلة',
      clientId: null,
    });
    expect(opening.createdAt).toEqual(conversation.createdAt);
    const [event] = conversation.pullEvents();
    expect(event).toBeInstanceOf(ConversationStarted);
    expect(event!.payload).toMatchObject({ requestId: conversation.requestId });
    const [created] = opening.pullEvents();
    expect(created).toBeInstanceOf(MessageCreated);
    expect(created!.payload).toMatchObject({ seq: 1, conversationUserId: conversation.userId });
  });

  it('is seen by its client and by staff only', () => {
    const { conversation } = started();
    expect(conversation.isVisibleTo({ id: conversation.userId, role: 'user' })).toBe(true);
    expect(conversation.isVisibleTo({ id: userId(), role: 'agent' })).toBe(true);
    expect(conversation.isVisibleTo({ id: userId(), role: 'admin' })).toBe(true);
    expect(conversation.isVisibleTo({ id: userId(), role: 'user' })).toBe(false);
  });

  it('composes messages: the client speaks as user, agents and admins as admin', () => {
    const { conversation } = started();
    const now = new Date('2026-11-22T11:00:00.000Z');
    const clientId = newId<'ClientMessageId'>() as ClientMessageId;
    const fromClient = conversation.compose(
      { id: conversation.userId, role: 'user' },
      MessageContent.create(' hi '),
      clientId,
      now,
    );
    expect(fromClient).toMatchObject({
      senderType: 'user',
      content: 'hi',
      clientId,
      createdAt: now,
    });
    const agent = userId();
    const fromAgent = conversation.compose(
      { id: agent, role: 'agent' },
      MessageContent.create('hello'),
      null,
      now,
    );
    expect(fromAgent).toMatchObject({ senderId: agent, senderType: 'admin', clientId: null });
    expect(
      conversation.compose({ id: agent, role: 'admin' }, MessageContent.create('x'), null, now)
        .senderType,
    ).toBe('admin');
    const message = Message.create(fromAgent, 7);
    expect(message.seq).toBe(7);
    expect(message.pullEvents()[0]!.payload).toMatchObject({ seq: 7, senderType: 'admin' });
    expect(() => Message.create(fromAgent, 0)).toThrow();
  });

  it('knows which seqs name its messages', () => {
    const { conversation } = started();
    expect(conversation.hasSeq(1)).toBe(true);
    expect(conversation.hasSeq(2)).toBe(false);
    expect(conversation.hasSeq(0)).toBe(false);
    expect(conversation.hasSeq(1.5)).toBe(false);
  });
});

describe('OpeningText', () => {
  it('takes a whole description of up to 5000 characters, counted as code points', () => {
    expect([...OpeningText.create('🎟'.repeat(5000)).value]).toHaveLength(5000);
    expect(() => OpeningText.create('🎟'.repeat(5001))).toThrow(
      expect.objectContaining({ reason: 'content_too_long' }),
    );
    expect(() => OpeningText.create('  ')).toThrow(
      expect.objectContaining({ reason: 'empty_content' }),
    );
    expect(() => OpeningText.create('a\u0000b')).toThrow(
      expect.objectContaining({ reason: 'invalid_content' }),
    );
  });
});
