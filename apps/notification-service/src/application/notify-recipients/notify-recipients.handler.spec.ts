import { createEnvelope } from '@ajla/contracts';
import {
  InMemoryAccounts,
  InMemoryMailOutbox,
  InMemoryNotifications,
  fixedClock,
} from '../../../test/fakes';
import type { UserId } from '../../domain/user-id';
import { NotifyRecipientsHandler } from './notify-recipients.handler';

const ids = {
  client: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a04',
  agent: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a05',
  admin: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a06',
  demoted: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a07',
};

describe('NotifyRecipientsHandler', () => {
  const setUp = async () => {
    const notifications = new InMemoryNotifications();
    const accounts = new InMemoryAccounts();
    for (const [id, role] of [
      [ids.client, 'user'],
      [ids.agent, 'agent'],
      [ids.admin, 'admin'],
      [ids.demoted, 'user'],
    ] as const) {
      accounts.roles.set(id as UserId, role);
    }
    const mail = new InMemoryMailOutbox();
    const handler = new NotifyRecipientsHandler(notifications, accounts, fixedClock(), mail);
    return { handler, notifications, mail };
  };

  const submitted = () =>
    createEnvelope(
      'request.submitted',
      {
        request_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a03',
        user_id: ids.client,
        type: 'travel',
        description: 'Two seats to Lisbon',
        status: 'new',
        conversation_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a02',
        created_at: '2026-11-22T10:00:00.000Z',
      },
      { producer: 'request-service' },
    );

  it('asks for the mail of the new notifications only: a redelivered event mails nobody again', async () => {
    const { handler, mail } = await setUp();
    const event = submitted();
    const stored = await handler.execute(event);
    await handler.execute(event);
    expect(mail.mailed).toEqual(stored);
  });

  it('stores one notification per current staff member, stamped with the event', async () => {
    const { handler, notifications } = await setUp();
    const event = submitted();
    const stored = await handler.execute(event);
    expect(stored.map((n) => n.recipientId).sort()).toEqual([ids.agent, ids.admin].sort());
    expect(stored[0]).toMatchObject({
      eventId: event.id,
      type: 'request.submitted',
      title: 'New travel request',
      readAt: null,
      createdAt: new Date('2026-11-22T10:00:00.000Z'),
    });
    expect(notifications.stored).toHaveLength(2);
  });

  it('adds nothing for an event it has handled before', async () => {
    const { handler, notifications } = await setUp();
    const event = submitted();
    await handler.execute(event);
    expect(await handler.execute(event)).toEqual([]);
    expect(notifications.stored).toHaveLength(2);
  });

  it('stores nothing for an event that tells nobody', async () => {
    const { handler, notifications } = await setUp();
    const own = createEnvelope(
      'message.created',
      {
        message_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a01',
        conversation_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a02',
        request_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a03',
        user_id: ids.client,
        seq: 1,
        sender_id: ids.client,
        sender_type: 'user',
        content: 'Two seats to Lisbon',
        client_id: null,
        created_at: '2026-11-22T10:00:00.000Z',
      },
      { producer: 'conversation-service' },
    );
    expect(await handler.execute(own)).toEqual([]);
    expect(notifications.stored).toEqual([]);
  });
});
