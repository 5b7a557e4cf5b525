import type { MessageCreatedV1, RequestStatusChangedV1 } from '@ajla/contracts';
import type { UserId } from '../../domain/user-id';
import {
  excerpt,
  messageCreatedDrafts,
  requestAssignedDrafts,
  requestStatusChangedDrafts,
  requestSubmittedDrafts,
} from './notification-rules';

const ids = {
  request: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a03',
  conversation: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a02',
  message: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a01',
  client: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a04',
  agent: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a05',
  admin: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a06',
};

const message = (overrides: Partial<MessageCreatedV1> = {}): MessageCreatedV1 => ({
  message_id: ids.message,
  conversation_id: ids.conversation,
  request_id: ids.request,
  user_id: ids.client,
  seq: 3,
  sender_id: ids.agent,
  sender_type: 'admin',
  content: 'Your table for four is booked for Friday at 8 pm.',
  client_id: null,
  created_at: '2026-11-22T10:00:00.000Z',
  ...overrides,
});

const statusChange = (
  to: RequestStatusChangedV1['to'],
  changedBy: string = ids.agent,
): RequestStatusChangedV1 => ({
  request_id: ids.request,
  user_id: ids.client,
  from: 'assigned',
  to,
  changed_by: changedBy,
  assignee_id: ids.agent,
  conversation_id: ids.conversation,
  updated_at: '2026-11-22T10:00:00.000Z',
});

describe('notification rules', () => {
  it('tells every agent and admin of a submitted request, with its type and description', () => {
    const drafts = requestSubmittedDrafts(
      {
        request_id: ids.request,
        user_id: ids.client,
        type: 'dining',
        description: 'A table for four\n\nat a rooftop   restaurant',
        status: 'new',
        conversation_id: ids.conversation,
        created_at: '2026-11-22T10:00:00.000Z',
      },
      [ids.agent, ids.admin] as UserId[],
    );
    expect(drafts).toEqual(
      [ids.agent, ids.admin].map((recipientId) => ({
        recipientId,
        title: 'New dining request',
        body: 'A table for four at a rooftop restaurant',
        data: { request_id: ids.request, conversation_id: ids.conversation },
      })),
    );
  });

  it('does not tell a staff member of a request they submitted themselves', () => {
    const drafts = requestSubmittedDrafts(
      {
        request_id: ids.request,
        user_id: ids.admin,
        type: 'events',
        description: 'Two tickets for the opera',
        status: 'new',
        conversation_id: ids.conversation,
        created_at: '2026-11-22T10:00:00.000Z',
      },
      [ids.agent, ids.admin] as UserId[],
    );
    expect(drafts.map((draft) => draft.recipientId)).toEqual([ids.agent]);
  });

  it('tells nobody of a submitted request while no staff is known', () => {
    const drafts = requestSubmittedDrafts(
      {
        request_id: ids.request,
        user_id: ids.client,
        type: 'travel',
        description: 'Two seats to Lisbon',
        status: 'new',
        conversation_id: ids.conversation,
        created_at: '2026-11-22T10:00:00.000Z',
      },
      [],
    );
    expect(drafts).toEqual([]);
  });

  it('tells the client of a staff reply, quoting it, with the ids to open it', () => {
    expect(messageCreatedDrafts(message())).toEqual([
      {
        recipientId: ids.client,
        title: 'New reply from your concierge',
        body: 'Your table for four is booked for Friday at 8 pm.',
        data: {
          request_id: ids.request,
          conversation_id: ids.conversation,
          message_id: ids.message,
          seq: 3,
        },
      },
    ]);
  });

  it("tells nobody of the client's own messages, system messages, or a sender of their own message", () => {
    expect(messageCreatedDrafts(message({ sender_type: 'user', sender_id: ids.client }))).toEqual(
      [],
    );
    expect(messageCreatedDrafts(message({ sender_type: 'system', sender_id: null }))).toEqual([]);
    // A staff account writing in a conversation that is its own (never the sender).
    expect(messageCreatedDrafts(message({ sender_id: ids.client }))).toEqual([]);
  });

  it('tells the client of every status change, in words', () => {
    const titles = (['assigned', 'in_progress', 'fulfilled', 'cancelled'] as const).map((to) => {
      const [draft] = requestStatusChangedDrafts(statusChange(to));
      expect(draft.recipientId).toBe(ids.client);
      expect(draft.data).toEqual({
        request_id: ids.request,
        conversation_id: ids.conversation,
        status: to,
      });
      return draft.title;
    });
    expect(titles).toEqual([
      'Your request has a concierge',
      'Your request is now in progress',
      'Your request is fulfilled',
      'Your request was cancelled',
    ]);
  });

  it('does not tell the client of a change they made themselves (cancelling their request)', () => {
    expect(requestStatusChangedDrafts(statusChange('cancelled', ids.client))).toEqual([]);
    // Cancelled by staff, the client is told.
    expect(requestStatusChangedDrafts(statusChange('cancelled', ids.admin))).toHaveLength(1);
  });

  it('tells the assignee of an assignment', () => {
    const assigned = {
      request_id: ids.request,
      user_id: ids.client,
      assignee_id: ids.agent,
      assigned_by: ids.admin,
      previous_assignee_id: null,
      status: 'assigned' as const,
      conversation_id: ids.conversation,
      updated_at: '2026-11-22T10:00:00.000Z',
    };
    expect(requestAssignedDrafts(assigned)).toEqual([
      {
        recipientId: ids.agent,
        title: 'A request was assigned to you',
        body: 'A client is waiting for your reply.',
        data: { request_id: ids.request, conversation_id: ids.conversation },
      },
    ]);
    expect(requestAssignedDrafts({ ...assigned, previous_assignee_id: ids.admin })[0].body).toBe(
      'It was handed over to you from a colleague.',
    );
  });

  it('does not tell an agent who claimed a request themselves', () => {
    const claimed = {
      request_id: ids.request,
      user_id: ids.client,
      assignee_id: ids.agent,
      assigned_by: ids.agent,
      previous_assignee_id: null,
      status: 'assigned' as const,
      conversation_id: ids.conversation,
      updated_at: '2026-11-22T10:00:00.000Z',
    };
    expect(requestAssignedDrafts(claimed)).toEqual([]);
    expect(requestAssignedDrafts({ ...claimed, previous_assignee_id: ids.admin })).toEqual([]);
  });

  it('quotes a long text by its start, cut at a whole character', () => {
    expect(excerpt('short')).toBe('short');
    const long = '🍽'.repeat(200);
    const cut = excerpt(long);
    expect(Array.from(cut)).toHaveLength(140);
    expect(cut.endsWith('🍽…')).toBe(true);
    expect(excerpt('word '.repeat(40), 12)).toBe('word word w…');
  });
});
