import { randomUUID } from 'node:crypto';
import {
  adminTokens,
  api,
  expectErrorBody,
  ISO_UTC,
  newClient,
  newStaff,
  UUID,
  type Account,
} from '../support/api';
import { assign, setStatus, submitRequest } from '../support/requests';

interface Notification {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, string | number>;
  read_at: string | null;
  created_at: string;
}

/** The caller's newest notifications (one page of 100, enough for what a test just caused). */
async function notificationsOf(token: string, query = ''): Promise<Notification[]> {
  const res = await api('GET', `/api/v1/notifications?page_size=100${query}`, { token });
  expect(res.status).toBe(200);
  return res.body.items;
}

/** Polls until `pick` finds what an event, consumed asynchronously, should have produced. */
async function eventually<T>(
  token: string,
  pick: (items: Notification[]) => T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = pick(await notificationsOf(token));
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('notification not seen in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const about = (requestId: string, type: string) => (items: Notification[]) => {
  const found = items.filter((n) => n.data.request_id === requestId && n.type === type);
  return found.length > 0 ? found : undefined;
};

describe('notifications (through the gateway)', () => {
  let client: Account;
  let agent: Account;
  let admin: Account;
  let rootAdmin: string;

  beforeAll(async () => {
    [client, agent, admin] = await Promise.all([
      newClient('Layla'),
      newStaff('agent'),
      newStaff('admin'),
    ]);
    rootAdmin = (await adminTokens()).access_token;
    // notification-service learns of new staff from user.registered, consumed asynchronously: a
    // request submitted before that reaches them is not theirs to hear of. Submit until one
    // reaches both new staff members, so the tests below start with them known.
    for (let attempt = 0; ; attempt++) {
      const probe = await submitRequest(client, { type: 'events', description: 'probe' });
      try {
        for (const staff of [agent, admin]) {
          await eventually(staff.tokens.access_token, about(probe.id, 'request.submitted'), 3000);
        }
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
  });

  it('tells every agent and admin of a submitted request, once each, and not the client', async () => {
    const request = await submitRequest(client, {
      type: 'dining',
      description: 'A table for four at a rooftop restaurant, Friday 8 pm',
    });
    for (const token of [agent.tokens.access_token, admin.tokens.access_token, rootAdmin]) {
      const found = await eventually(token, about(request.id, 'request.submitted'));
      expect(found).toEqual([
        {
          id: expect.stringMatching(UUID),
          type: 'request.submitted',
          title: 'New dining request',
          body: 'A table for four at a rooftop restaurant, Friday 8 pm',
          data: { request_id: request.id, conversation_id: request.conversation_id },
          read_at: null,
          created_at: expect.stringMatching(ISO_UTC),
        },
      ]);
    }
    const own = await notificationsOf(client.tokens.access_token);
    expect(own.filter((n) => n.data.request_id === request.id)).toEqual([]);
  });

  it('tells the client of a staff reply, never the agent who wrote it nor the client of their own', async () => {
    const request = await submitRequest(client);
    const post = (account: Account, content: string) =>
      api('POST', '/api/v1/messages', {
        token: account.tokens.access_token,
        body: { conversation_id: request.conversation_id, content },
      });
    expect((await post(client, 'Could it be by the window?')).status).toBe(201);
    const reply = await post(agent, 'Booked: Friday, 8 pm, by the window.');
    expect(reply.status).toBe(201);

    const told = await eventually(client.tokens.access_token, about(request.id, 'message.created'));
    expect(told).toEqual([
      expect.objectContaining({
        type: 'message.created',
        title: 'New reply from your concierge',
        body: 'Booked: Friday, 8 pm, by the window.',
        data: {
          request_id: request.id,
          conversation_id: request.conversation_id,
          message_id: reply.body.id,
          seq: reply.body.seq,
        },
      }),
    ]);
    // All recipients of one event are stored together: the agent would have theirs by now.
    const agents = await notificationsOf(agent.tokens.access_token);
    expect(agents.filter((n) => n.type === 'message.created')).toEqual([]);
  });

  it('tells the assignee of an assignment and the client of each status change', async () => {
    const request = await submitRequest(client);
    expect((await assign(admin, request.id, agent.id)).status).toBe(200);
    const [assigned] = await eventually(
      agent.tokens.access_token,
      about(request.id, 'request.assigned'),
    );
    expect(assigned).toMatchObject({
      title: 'A request was assigned to you',
      data: { request_id: request.id, conversation_id: request.conversation_id },
    });
    expect((await setStatus(agent, request.id, 'in_progress')).status).toBe(200);
    const [moved] = await eventually(
      client.tokens.access_token,
      about(request.id, 'request.status_changed'),
    );
    expect(moved).toMatchObject({
      title: 'Your request is now in progress',
      data: { request_id: request.id, status: 'in_progress' },
    });
  });

  it('tells nobody of their own action: an agent claiming a request, a client cancelling theirs', async () => {
    const claimed = await submitRequest(client);
    expect((await assign(agent, claimed.id)).status).toBe(200); // no agent_id: the agent claims it
    const cancelled = await submitRequest(client);
    const cancel = await api('POST', `/api/v1/requests/${cancelled.id}/cancel`, {
      token: client.tokens.access_token,
    });
    expect(cancel.status).toBe(200);
    // Later events that do tell each of them. request-service publishes in the order it commits,
    // so once these arrived the events of the claim and of the cancellation were handled too.
    const handedOver = await submitRequest(client);
    expect((await assign(admin, handedOver.id, agent.id)).status).toBe(200);
    expect((await setStatus(agent, claimed.id, 'in_progress')).status).toBe(200);
    await eventually(agent.tokens.access_token, about(handedOver.id, 'request.assigned'));
    await eventually(client.tokens.access_token, about(claimed.id, 'request.status_changed'));

    const agents = await notificationsOf(agent.tokens.access_token);
    expect(agents.filter((n) => n.data.request_id === claimed.id)).toEqual([
      expect.objectContaining({ type: 'request.submitted' }),
    ]);
    const clients = await notificationsOf(client.tokens.access_token);
    expect(clients.filter((n) => n.data.request_id === cancelled.id)).toEqual([]);
  });

  it("reads one's own notifications; someone else's id is 404, never 403", async () => {
    const token = agent.tokens.access_token;
    const unread = await notificationsOf(token, '&unread=true');
    expect(unread.length).toBeGreaterThan(1);
    const [target] = unread;

    const read = await api('POST', `/api/v1/notifications/${target.id}/read`, { token });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ ...target, read_at: expect.stringMatching(ISO_UTC) });
    const again = await api('POST', `/api/v1/notifications/${target.id}/read`, { token });
    expect(again.status).toBe(200);
    expect(again.body.read_at).toBe(read.body.read_at);
    expect((await notificationsOf(token, '&unread=true')).map((n) => n.id)).not.toContain(
      target.id,
    );

    for (const stranger of [client.tokens.access_token, rootAdmin]) {
      const res = await api('POST', `/api/v1/notifications/${unread[1].id}/read`, {
        token: stranger,
      });
      expect(res.status).toBe(404);
      expectErrorBody(res);
    }
    for (const id of [randomUUID(), 'not-a-uuid']) {
      expect((await api('POST', `/api/v1/notifications/${id}/read`, { token })).status).toBe(404);
    }
    // Someone else's notification is still unread.
    expect((await notificationsOf(token, '&unread=true')).map((n) => n.id)).toContain(unread[1].id);

    const all = await api('POST', '/api/v1/notifications/read-all', { token });
    expect(all.status).toBe(204);
    expect(await notificationsOf(token, '&unread=true')).toEqual([]);
    const listed = await api('GET', '/api/v1/notifications?page=1&page_size=1', { token });
    expect(listed.body).toMatchObject({ page: 1, page_size: 1, total: expect.any(Number) });
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0].read_at).toMatch(ISO_UTC);
  });

  it('refuses a missing token (401) and bad input (400) with {detail}', async () => {
    const token = client.tokens.access_token;
    expect((await api('GET', '/api/v1/notifications')).status).toBe(401);
    for (const query of ['unread=maybe', 'page=0', 'page_size=101', 'sort=asc']) {
      const res = await api('GET', `/api/v1/notifications?${query}`, { token });
      expect(res.status).toBe(400);
      expectErrorBody(res);
    }
    const withBody = await api('POST', '/api/v1/notifications/read-all', {
      token,
      body: { everything: true },
    });
    expect(withBody.status).toBe(400);
    expectErrorBody(withBody);
  });
});
