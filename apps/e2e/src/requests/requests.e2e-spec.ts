import { randomUUID } from 'node:crypto';
import {
  api,
  expectErrorBody,
  ISO_UTC,
  newClient,
  newStaff,
  UUID,
  type Account,
} from '../support/api';
import { assign, setStatus, submitRequest } from '../support/requests';

describe('concierge requests (API.md "Requests")', () => {
  let client: Account;
  let other: Account;
  let agent: Account;
  beforeAll(async () => {
    [client, other, agent] = await Promise.all([newClient(), newClient(), newStaff('agent')]);
  });

  describe('submit', () => {
    it('answers 201 with the documented request shape', async () => {
      const res = await api('POST', '/api/v1/requests', {
        token: client.tokens.access_token,
        body: { type: 'travel', description: 'Two business-class seats to Doha on Friday' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        user_id: client.id,
        type: 'travel',
        description: 'Two business-class seats to Doha on Friday',
        status: 'new',
        assignee_id: null,
        conversation_id: expect.stringMatching(UUID),
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
      });
    });

    it.each(['travel', 'dining', 'events', 'shopping'])('accepts type %s', async (type) => {
      const res = await api('POST', '/api/v1/requests', {
        token: client.tokens.access_token,
        body: { type, description: 'Something nice' },
      });
      expect(res.status).toBe(201);
    });

    it('keeps Arabic and emoji, and accepts 5000 characters', async () => {
      const description = 'حجز طاولة لشخصين 🍽️ ' + 'x'.repeat(4980);
      const body = await submitRequest(client, {
        type: 'dining',
        description: description.slice(0, 5000),
      });
      expect(body.description.startsWith('حجز طاولة لشخصين 🍽️')).toBe(true);
    });

    it.each([
      ['an unknown type', { type: 'spa', description: 'x' }],
      ['an empty description', { type: 'dining', description: '' }],
      ['a blank description', { type: 'dining', description: '   ' }],
      ['a description over 5000 characters', { type: 'dining', description: 'x'.repeat(5001) }],
      ['a missing type', { description: 'x' }],
      ['a missing description', { type: 'dining' }],
      ['a wrong-typed description', { type: 'dining', description: 42 }],
      ['an unknown field', { type: 'dining', description: 'x', priority: 'high' }],
      ['a client choosing the status', { type: 'dining', description: 'x', status: 'fulfilled' }],
    ])('answers 400 for %s', async (_c, body) => {
      const res = await api('POST', '/api/v1/requests', {
        token: client.tokens.access_token,
        body,
      });
      expect(res.status).toBe(400);
      expectErrorBody(res);
    });

    it('answers 400 for malformed JSON and 401 without a token', async () => {
      const bad = await api('POST', '/api/v1/requests', {
        token: client.tokens.access_token,
        rawBody: '{"type":',
      });
      expect(bad.status).toBe(400);
      expectErrorBody(bad);
      const anonymous = await api('POST', '/api/v1/requests', {
        body: { type: 'dining', description: 'x' },
      });
      expect(anonymous.status).toBe(401);
    });
  });

  describe('read and list', () => {
    it("lists only the caller's requests, newest first, with paging and a status filter", async () => {
      const mine = await newClient();
      const first = await submitRequest(mine, { type: 'events', description: 'first' });
      const second = await submitRequest(mine, { type: 'shopping', description: 'second' });
      const third = await submitRequest(mine, { type: 'travel', description: 'third' });
      await submitRequest(other, { type: 'travel', description: 'not yours' });
      await api('POST', `/api/v1/requests/${second.id}/cancel`, {
        token: mine.tokens.access_token,
      });

      const all = await api('GET', '/api/v1/requests', { token: mine.tokens.access_token });
      expect(all.status).toBe(200);
      expect(all.body).toMatchObject({ total: 3, page: 1, page_size: 20 });
      expect(all.body.items.map((r: any) => r.id)).toEqual([third.id, second.id, first.id]);

      const page2 = await api('GET', '/api/v1/requests?page=2&page_size=2', {
        token: mine.tokens.access_token,
      });
      expect(page2.body).toMatchObject({ total: 3, page: 2, page_size: 2 });
      expect(page2.body.items.map((r: any) => r.id)).toEqual([first.id]);

      const cancelled = await api('GET', '/api/v1/requests?status=cancelled', {
        token: mine.tokens.access_token,
      });
      expect(cancelled.body.total).toBe(1);
      expect(cancelled.body.items[0].id).toBe(second.id);
    });

    it.each([['?page_size=0'], ['?page_size=101'], ['?page=0'], ['?status=done'], ['?page=x']])(
      'answers 400 for %s',
      async (query) => {
        const res = await api('GET', `/api/v1/requests${query}`, {
          token: client.tokens.access_token,
        });
        expect(res.status).toBe(400);
        expectErrorBody(res);
      },
    );

    it('shows a request to its owner and to staff, and answers 404 to another client', async () => {
      const request = await submitRequest(client);
      const own = await api('GET', `/api/v1/requests/${request.id}`, {
        token: client.tokens.access_token,
      });
      expect(own.status).toBe(200);
      expect(own.body).toEqual(request);
      const staff = await api('GET', `/api/v1/requests/${request.id}`, {
        token: agent.tokens.access_token,
      });
      expect(staff.status).toBe(200);
      const foreign = await api('GET', `/api/v1/requests/${request.id}`, {
        token: other.tokens.access_token,
      });
      expect(foreign.status).toBe(404);
      expectErrorBody(foreign);
    });

    it('answers 404 for an unknown id and 400 or 404 for a malformed one, never 500', async () => {
      const unknown = await api('GET', `/api/v1/requests/${randomUUID()}`, {
        token: client.tokens.access_token,
      });
      expect(unknown.status).toBe(404);
      const malformed = await api('GET', '/api/v1/requests/42', {
        token: client.tokens.access_token,
      });
      expect([400, 404]).toContain(malformed.status);
      expectErrorBody(malformed);
    });
  });

  describe('cancel', () => {
    it('lets the owner cancel; a second cancel is a 409', async () => {
      const request = await submitRequest(client);
      const res = await api('POST', `/api/v1/requests/${request.id}/cancel`, {
        token: client.tokens.access_token,
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: request.id, status: 'cancelled' });
      const again = await api('POST', `/api/v1/requests/${request.id}/cancel`, {
        token: client.tokens.access_token,
      });
      expect(again.status).toBe(409);
      expectErrorBody(again);
    });

    it('lets the owner cancel an assigned and an in-progress request', async () => {
      const assigned = await submitRequest(client);
      expect((await assign(agent, assigned.id)).status).toBe(200);
      const res = await api('POST', `/api/v1/requests/${assigned.id}/cancel`, {
        token: client.tokens.access_token,
      });
      expect(res.body.status).toBe('cancelled');

      const working = await submitRequest(client);
      await assign(agent, working.id);
      await setStatus(agent, working.id, 'in_progress');
      const res2 = await api('POST', `/api/v1/requests/${working.id}/cancel`, {
        token: client.tokens.access_token,
      });
      expect(res2.body.status).toBe('cancelled');
    });

    it('refuses to cancel a fulfilled request with 409', async () => {
      const request = await submitRequest(client);
      await assign(agent, request.id);
      await setStatus(agent, request.id, 'in_progress');
      expect((await setStatus(agent, request.id, 'fulfilled')).body.status).toBe('fulfilled');
      const res = await api('POST', `/api/v1/requests/${request.id}/cancel`, {
        token: client.tokens.access_token,
      });
      expect(res.status).toBe(409);
      expectErrorBody(res);
    });

    it('answers 404 to another client and leaves the request as it was', async () => {
      const request = await submitRequest(client);
      const res = await api('POST', `/api/v1/requests/${request.id}/cancel`, {
        token: other.tokens.access_token,
      });
      expect(res.status).toBe(404);
      const after = await api('GET', `/api/v1/requests/${request.id}`, {
        token: client.tokens.access_token,
      });
      expect(after.body.status).toBe('new');
    });

    it('does not let staff cancel on behalf of the client', async () => {
      const request = await submitRequest(client);
      const res = await api('POST', `/api/v1/requests/${request.id}/cancel`, {
        token: agent.tokens.access_token,
      });
      expect([403, 404]).toContain(res.status);
      const after = await api('GET', `/api/v1/requests/${request.id}`, {
        token: client.tokens.access_token,
      });
      expect(after.body.status).toBe('new');
    });
  });

  describe('the staff queue', () => {
    it('answers 403 to a client on every staff endpoint', async () => {
      const request = await submitRequest(client);
      const token = client.tokens.access_token;
      for (const res of [
        await api('GET', '/api/v1/admin/requests', { token }),
        await api('POST', `/api/v1/admin/requests/${request.id}/assign`, { token, body: {} }),
        await api('POST', `/api/v1/admin/requests/${request.id}/status`, {
          token,
          body: { status: 'in_progress' },
        }),
      ]) {
        expect(res.status).toBe(403);
        expectErrorBody(res);
      }
    });

    it('lists every client’s requests oldest first, with status and assignee filters', async () => {
      const a = await submitRequest(client, { type: 'events', description: 'queue a' });
      const b = await submitRequest(other, { type: 'events', description: 'queue b' });
      const res = await api('GET', '/api/v1/admin/requests?status=new&page_size=100', {
        token: agent.tokens.access_token,
      });
      expect(res.status).toBe(200);
      const ids = res.body.items.map((r: any) => r.id);
      expect(ids.indexOf(a.id)).toBeGreaterThanOrEqual(0);
      expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
      for (const r of res.body.items) expect(r.status).toBe('new');
      const times = res.body.items.map((r: any) => r.created_at);
      expect([...times].sort()).toEqual(times);

      const worker = await newStaff('agent');
      await assign(agent, b.id, worker.id);
      const mine = await api('GET', `/api/v1/admin/requests?assignee_id=${worker.id}`, {
        token: agent.tokens.access_token,
      });
      expect(mine.body.items.map((r: any) => r.id)).toEqual([b.id]);
      expect(mine.body.total).toBe(1);
    });

    it.each([['?status=open'], ['?assignee_id=nope'], ['?page_size=500']])(
      'answers 400 for %s',
      async (query) => {
        const res = await api('GET', `/api/v1/admin/requests${query}`, {
          token: agent.tokens.access_token,
        });
        expect(res.status).toBe(400);
        expectErrorBody(res);
      },
    );
  });

  describe('assignment', () => {
    it('assigns to the caller when agent_id is omitted', async () => {
      const request = await submitRequest(client);
      const res = await assign(agent, request.id);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: request.id, status: 'assigned', assignee_id: agent.id });
      const seen = await api('GET', `/api/v1/requests/${request.id}`, {
        token: client.tokens.access_token,
      });
      expect(seen.body).toMatchObject({ status: 'assigned', assignee_id: agent.id });
    });

    it('lets an admin assign to a named agent, and re-assign', async () => {
      const admin = await newStaff('admin');
      const second = await newStaff('agent');
      const request = await submitRequest(client);
      expect((await assign(admin, request.id, agent.id)).body.assignee_id).toBe(agent.id);
      const again = await assign(admin, request.id, second.id);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ status: 'assigned', assignee_id: second.id });
    });

    it('refuses to assign to someone who is not staff', async () => {
      const request = await submitRequest(client);
      for (const agentId of [other.id, randomUUID()]) {
        const res = await api('POST', `/api/v1/admin/requests/${request.id}/assign`, {
          token: agent.tokens.access_token,
          body: { agent_id: agentId },
        });
        expect(res.status).toBe(409);
        expectErrorBody(res);
      }
      const after = await api('GET', `/api/v1/requests/${request.id}`, {
        token: client.tokens.access_token,
      });
      expect(after.body).toMatchObject({ status: 'new', assignee_id: null });
    });

    it('answers 400 for a malformed agent_id or an unknown field, 404 for an unknown request', async () => {
      const request = await submitRequest(client);
      const bad = await api('POST', `/api/v1/admin/requests/${request.id}/assign`, {
        token: agent.tokens.access_token,
        body: { agent_id: 'bob' },
      });
      expect(bad.status).toBe(400);
      const extra = await api('POST', `/api/v1/admin/requests/${request.id}/assign`, {
        token: agent.tokens.access_token,
        body: { priority: 1 },
      });
      expect(extra.status).toBe(400);
      const unknown = await api('POST', `/api/v1/admin/requests/${randomUUID()}/assign`, {
        token: agent.tokens.access_token,
        body: {},
      });
      expect(unknown.status).toBe(404);
      expectErrorBody(unknown);
    });

    it('refuses to assign a cancelled or fulfilled request with 409', async () => {
      const cancelled = await submitRequest(client);
      await api('POST', `/api/v1/requests/${cancelled.id}/cancel`, {
        token: client.tokens.access_token,
      });
      expect((await assign(agent, cancelled.id)).status).toBe(409);

      const done = await submitRequest(client);
      await assign(agent, done.id);
      await setStatus(agent, done.id, 'in_progress');
      await setStatus(agent, done.id, 'fulfilled');
      const res = await assign(agent, done.id);
      expect(res.status).toBe(409);
      expectErrorBody(res);
    });
  });

  describe('the lifecycle', () => {
    it('moves new → assigned → in_progress → fulfilled', async () => {
      const request = await submitRequest(client);
      expect((await assign(agent, request.id)).body.status).toBe('assigned');
      const working = await setStatus(agent, request.id, 'in_progress');
      expect(working.status).toBe(200);
      expect(working.body.status).toBe('in_progress');
      const done = await setStatus(agent, request.id, 'fulfilled');
      expect(done.status).toBe(200);
      expect(done.body.status).toBe('fulfilled');
      expect(done.body.updated_at >= request.updated_at).toBe(true);
    });

    it.each([
      ['new', 'in_progress'],
      ['new', 'fulfilled'],
      ['new', 'cancelled'],
      ['new', 'new'],
      ['new', 'assigned'],
      ['assigned', 'fulfilled'],
      ['assigned', 'assigned'],
      ['assigned', 'new'],
      ['assigned', 'cancelled'],
      ['in_progress', 'assigned'],
      ['in_progress', 'new'],
      ['in_progress', 'in_progress'],
      ['in_progress', 'cancelled'],
      ['fulfilled', 'in_progress'],
      ['fulfilled', 'fulfilled'],
      ['fulfilled', 'cancelled'],
      ['cancelled', 'assigned'],
      ['cancelled', 'in_progress'],
      ['cancelled', 'fulfilled'],
    ])('refuses %s → %s with 409 and changes nothing', async (from, to) => {
      const request = await submitRequest(client);
      if (from !== 'new' && from !== 'cancelled') await assign(agent, request.id);
      if (from === 'in_progress' || from === 'fulfilled')
        await setStatus(agent, request.id, 'in_progress');
      if (from === 'fulfilled') await setStatus(agent, request.id, 'fulfilled');
      if (from === 'cancelled') {
        await api('POST', `/api/v1/requests/${request.id}/cancel`, {
          token: client.tokens.access_token,
        });
      }
      const before = await api('GET', `/api/v1/requests/${request.id}`, {
        token: client.tokens.access_token,
      });
      expect(before.body.status).toBe(from);

      const res = await setStatus(agent, request.id, to);
      expect(res.status).toBe(409);
      expectErrorBody(res);
      const after = await api('GET', `/api/v1/requests/${request.id}`, {
        token: client.tokens.access_token,
      });
      expect(after.body).toEqual(before.body);
    });

    it.each([[{ status: 'done' }], [{}], [{ status: 'in_progress', note: 'x' }], [{ status: 3 }]])(
      'answers 400 for the status body %j',
      async (body) => {
        const request = await submitRequest(client);
        const res = await api('POST', `/api/v1/admin/requests/${request.id}/status`, {
          token: agent.tokens.access_token,
          body,
        });
        expect(res.status).toBe(400);
        expectErrorBody(res);
      },
    );
  });
});
