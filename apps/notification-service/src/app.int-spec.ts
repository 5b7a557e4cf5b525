import { createEnvelope, type EventEnvelope, type RequestSubmittedV1 } from '@ajla/contracts';
import { newId } from '@ajla/shared-kernel';
import { ServiceHarness, type Account } from '../test/harness';

jest.setTimeout(60_000);

/** Events in over a real RabbitMQ, notifications out over HTTP, on a real Postgres. */
describe('notification-service', () => {
  const harness = new ServiceHarness();
  let client: Account;
  let otherClient: Account;
  let agent: Account;
  let admin: Account;

  const at = (minute: number) => `2026-11-22T10:${String(minute).padStart(2, '0')}:00.000Z`;

  const registered = (account: Account, minute = 0, role: string = account.role) =>
    createEnvelope(
      'user.registered',
      {
        user_id: account.id,
        email: `${account.id.slice(-8)}@ajla.test`,
        full_name: 'Staff Member',
        role: role as 'user' | 'agent' | 'admin',
        tier: 5000,
        created_at: at(minute),
      },
      { producer: 'user-service' },
    );

  const roleChanged = (account: Account, role: 'user' | 'agent' | 'admin', minute: number) =>
    createEnvelope(
      'user.updated',
      {
        user_id: account.id,
        email: `${account.id.slice(-8)}@ajla.test`,
        full_name: 'Staff Member',
        role,
        tier: 5000,
        updated_at: at(minute),
        changed: ['role'],
      },
      { producer: 'user-service' },
    );

  const submitted = (owner: Account, overrides: Partial<RequestSubmittedV1> = {}) =>
    createEnvelope(
      'request.submitted',
      {
        request_id: newId(),
        user_id: owner.id,
        type: 'dining',
        description: 'A table for four at a rooftop restaurant, Friday 8 pm',
        status: 'new',
        conversation_id: newId(),
        created_at: at(30),
        ...overrides,
      },
      { producer: 'request-service' },
    );

  const deliver = async (...events: EventEnvelope[]) => {
    for (const event of events) harness.publish(event);
    for (const event of events) await harness.handled(event.id);
  };

  const list = async (account: Account, query = '') => {
    const res = await harness.call('GET', `/api/v1/notifications${query}`, { as: account });
    expect(res.status).toBe(200);
    return res.body as {
      items: { id: string; type: string; title: string; body: string; data: unknown }[];
      total: number;
      page: number;
      page_size: number;
    };
  };

  const notificationsOfEvent = async (eventId: string) =>
    (
      await harness.sql.query(
        'SELECT recipient_id FROM notifications.notifications WHERE event_id = $1 ORDER BY recipient_id',
        [eventId],
      )
    ).rows.map((row) => row.recipient_id as string);

  beforeAll(async () => {
    await harness.setUp('app');
    [client, otherClient, agent, admin] = await Promise.all([
      harness.account('user'),
      harness.account('user'),
      harness.account('agent'),
      harness.account('admin'),
    ]);
    await deliver(registered(client), registered(agent), registered(admin));
  });

  afterAll(() => harness.tearDown());

  it('tells every agent and admin of a submitted request, once, even when the event comes twice', async () => {
    const event = submitted(client);
    harness.publish(event);
    harness.publish(event);
    await harness.handled(event.id);
    expect(await notificationsOfEvent(event.id)).toEqual([agent.id, admin.id].sort());
    for (const staff of [agent, admin]) {
      const { items } = await list(staff);
      expect(
        items.filter((n) => n.data && JSON.stringify(n.data).includes(event.data.request_id)),
      ).toEqual([
        {
          id: expect.any(String),
          type: 'request.submitted',
          title: 'New dining request',
          body: 'A table for four at a rooftop restaurant, Friday 8 pm',
          data: {
            request_id: event.data.request_id,
            conversation_id: event.data.conversation_id,
          },
          read_at: null,
          created_at: expect.any(String),
        },
      ]);
    }
    expect((await list(client)).items.map((n) => n.type)).not.toContain('request.submitted');
  });

  it('never tells a recipient twice of one event, even once its inbox row is gone', async () => {
    const event = submitted(client);
    await deliver(event);
    await harness.sql.query('DELETE FROM notifications.inbox_messages WHERE event_id = $1', [
      event.id,
    ]);
    await deliver(event);
    expect(await notificationsOfEvent(event.id)).toEqual([agent.id, admin.id].sort());
  });

  it('keeps the newest state of an account whatever order its events arrive in', async () => {
    const promoted = await harness.account('agent');
    // Registered as a client at :00, promoted at :05, demoted at :10: the demotion arrives first.
    await deliver(roleChanged(promoted, 'user', 10));
    await deliver(roleChanged(promoted, 'agent', 5), registered(promoted, 0, 'user'));
    let event = submitted(client);
    await deliver(event);
    expect(await notificationsOfEvent(event.id)).not.toContain(promoted.id);

    // A newer promotion counts.
    await deliver(roleChanged(promoted, 'admin', 20));
    event = submitted(client);
    await deliver(event);
    expect(await notificationsOfEvent(event.id)).toContain(promoted.id);
    const { rows } = await harness.sql.query(
      'SELECT role, last_event_at FROM notifications.accounts WHERE user_id = $1',
      [promoted.id],
    );
    expect(rows).toEqual([{ role: 'admin', last_event_at: new Date(at(20)) }]);
  });

  it('tells the client of a staff reply, never of their own or system messages, and never the sender', async () => {
    const conversationId = newId();
    const requestId = newId();
    const message = (seq: number, sender: Account | null, content: string) =>
      createEnvelope(
        'message.created',
        {
          message_id: newId(),
          conversation_id: conversationId,
          request_id: requestId,
          user_id: client.id,
          seq,
          sender_id: sender?.id ?? null,
          sender_type: sender === null ? 'system' : sender.role === 'user' ? 'user' : 'admin',
          content,
          client_id: null,
          created_at: at(40),
        },
        { producer: 'conversation-service' },
      );
    const own = message(1, client, 'Can you book it?');
    const system = message(2, null, 'An agent joined');
    const reply = message(3, agent, 'Booked: Friday, 8 pm, a table for four.');
    await deliver(own, system, reply);
    expect(await notificationsOfEvent(own.id)).toEqual([]);
    expect(await notificationsOfEvent(system.id)).toEqual([]);
    expect(await notificationsOfEvent(reply.id)).toEqual([client.id]);
    // With no webhook wanting messages, the two that tell nobody took no transaction at all.
    const { rows: inbox } = await harness.sql.query(
      'SELECT event_id FROM notifications.inbox_messages WHERE event_id = ANY($1::uuid[])',
      [[own.id, system.id, reply.id]],
    );
    expect(inbox).toEqual([{ event_id: reply.id }]);
    const [latest] = (await list(client)).items;
    expect(latest).toMatchObject({
      type: 'message.created',
      title: 'New reply from your concierge',
      body: 'Booked: Friday, 8 pm, a table for four.',
      data: {
        request_id: requestId,
        conversation_id: conversationId,
        message_id: reply.data.message_id,
        seq: 3,
      },
    });
  });

  it('tells the client of a status change and the assignee of an assignment', async () => {
    const requestId = newId();
    const conversationId = newId();
    const assigned = createEnvelope(
      'request.assigned',
      {
        request_id: requestId,
        user_id: client.id,
        assignee_id: agent.id,
        assigned_by: admin.id,
        previous_assignee_id: null,
        status: 'assigned',
        conversation_id: conversationId,
        updated_at: at(50),
      },
      { producer: 'request-service' },
    );
    const started = createEnvelope(
      'request.status_changed',
      {
        request_id: requestId,
        user_id: client.id,
        from: 'assigned',
        to: 'in_progress',
        changed_by: agent.id,
        assignee_id: agent.id,
        conversation_id: conversationId,
        updated_at: at(51),
      },
      { producer: 'request-service' },
    );
    await deliver(assigned, started);
    expect(await notificationsOfEvent(assigned.id)).toEqual([agent.id]);
    expect(await notificationsOfEvent(started.id)).toEqual([client.id]);
    expect((await list(client)).items[0]).toMatchObject({
      type: 'request.status_changed',
      title: 'Your request is now in progress',
      data: { request_id: requestId, conversation_id: conversationId, status: 'in_progress' },
    });
  });

  it("reads one's own notifications: unread filter, paging, read, read-all; someone else's is not found", async () => {
    const all = await list(client);
    expect(all.total).toBeGreaterThanOrEqual(2);
    const unread = await list(client, '?unread=true');
    expect(unread.total).toBe(all.total);
    const paged = await list(client, '?page=2&page_size=1');
    expect(paged).toMatchObject({ page: 2, page_size: 1, total: all.total });
    expect(paged.items.map((n) => n.id)).toEqual([all.items[1].id]);

    const target = all.items[0].id;
    const read = await harness.call('POST', `/api/v1/notifications/${target}/read`, {
      as: client,
    });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: target, read_at: expect.any(String) });
    // Idempotent: the first read's time stays.
    const again = await harness.call('POST', `/api/v1/notifications/${target}/read`, {
      as: client,
    });
    expect(again.body.read_at).toBe(read.body.read_at);
    expect((await list(client, '?unread=true')).total).toBe(all.total - 1);

    for (const stranger of [otherClient, agent]) {
      const res = await harness.call('POST', `/api/v1/notifications/${target}/read`, {
        as: stranger,
      });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({
        detail: 'notification not found',
        code: 'notification_not_found',
      });
    }
    expect((await list(otherClient)).total).toBe(0);
    for (const id of [newId(), 'not-a-uuid']) {
      expect(
        (await harness.call('POST', `/api/v1/notifications/${id}/read`, { as: client })).status,
      ).toBe(404);
    }

    const agentUnread = (await list(agent, '?unread=true')).total;
    const readAll = await harness.call('POST', '/api/v1/notifications/read-all', { as: client });
    expect(readAll.status).toBe(204);
    expect((await list(client, '?unread=true')).total).toBe(0);
    expect((await list(client)).total).toBe(all.total);
    // Only the caller's.
    expect((await list(agent, '?unread=true')).total).toBe(agentUnread);
  });

  it('refuses bad input with 400 {detail} and a missing token with 401', async () => {
    for (const query of ['?unread=yes', '?page=0', '?page_size=101', '?colour=red']) {
      const res = await harness.call('GET', `/api/v1/notifications${query}`, { as: client });
      expect(res.status).toBe(400);
      expect(res.body.detail).toEqual(expect.any(String));
    }
    const withBody = await harness.call('POST', '/api/v1/notifications/read-all', {
      as: client,
      body: { all: true },
    });
    expect(withBody).toEqual({
      status: 400,
      body: expect.objectContaining({ detail: 'property all should not exist' }),
    });
    expect((await harness.call('GET', '/api/v1/notifications')).status).toBe(401);
  });
});
