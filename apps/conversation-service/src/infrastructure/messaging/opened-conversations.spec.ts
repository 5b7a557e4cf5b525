import { createEnvelope } from '@ajla/contracts';
import { newId } from '@ajla/shared-kernel';
import { OpenedConversations } from './opened-conversations';

const submitted = (conversationId: string, requestId = newId(), userId = newId()) =>
  createEnvelope(
    'request.submitted',
    {
      request_id: requestId,
      user_id: userId,
      type: 'dining',
      description: 'A table for two',
      status: 'new',
      conversation_id: conversationId,
      created_at: '2026-11-22T10:00:00.000Z',
    },
    { producer: 'request-service' },
  );

describe('OpenedConversations', () => {
  it('skips the event of an opening it remembers, once, and only when everything matches', () => {
    const opened = new OpenedConversations();
    const event = submitted(newId());
    opened.remember(event.data.conversation_id, event.data.request_id, event.data.user_id);
    expect(opened.handles(event)).toBe(false);
    // A redelivery is handled (and changes nothing).
    expect(opened.handles(event)).toBe(true);

    const other = submitted(newId());
    opened.remember(other.data.conversation_id, other.data.request_id, newId());
    expect(opened.handles(other)).toBe(true);
  });

  it('handles what it never saw opened, and forgets the oldest openings first', () => {
    const opened = new OpenedConversations();
    expect(opened.handles(submitted(newId()))).toBe(true);
    const first = submitted(newId());
    opened.remember(first.data.conversation_id, first.data.request_id, first.data.user_id);
    for (let i = 0; i < 10_000; i++) opened.remember(newId(), newId(), newId());
    expect(opened.handles(first)).toBe(true);
  });
});
