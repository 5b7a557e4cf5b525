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

  it('holds an event that comes while the call is opening its conversation, then skips it', async () => {
    const opened = new OpenedConversations();
    const event = submitted(newId());
    const { conversation_id: id, request_id: requestId, user_id: userId } = event.data;
    let commit!: () => void;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    const created = { conversation: { id, requestId, userId }, created: true };
    const call = opened.opening(id, () => committed.then(() => created));

    const answer = opened.handles(event);
    expect(answer).toBeInstanceOf(Promise);
    let settled = false;
    void (answer as Promise<boolean>).then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);

    commit();
    await expect(call).resolves.toBe(created);
    await expect(answer).resolves.toBe(false);
    // Nothing is left under way: the next event of it answers at once.
    expect(opened.handles(event)).toBe(true);
  });

  it('handles the event of an opening that failed, and of one for another request', async () => {
    const opened = new OpenedConversations();
    const failing = submitted(newId());
    const call = opened.opening(failing.data.conversation_id, () =>
      Promise.reject<{ conversation: { id: string; requestId: string; userId: string } }>(
        new Error('database away'),
      ),
    );
    const answer = opened.handles(failing);
    await expect(call).rejects.toThrow('database away');
    await expect(answer).resolves.toBe(true);

    const other = submitted(newId());
    const mismatch = opened.opening(other.data.conversation_id, () =>
      Promise.resolve({
        conversation: {
          id: other.data.conversation_id,
          requestId: newId(),
          userId: other.data.user_id,
        },
      }),
    );
    const otherAnswer = opened.handles(other);
    await mismatch;
    await expect(otherAnswer).resolves.toBe(true);
  });
});
