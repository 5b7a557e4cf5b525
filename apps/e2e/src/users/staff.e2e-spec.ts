import { randomUUID } from 'node:crypto';
import {
  adminTokens,
  api,
  expectErrorBody,
  newClient,
  newStaff,
  uniqueEmail,
  UUID,
  type Tokens,
} from '../support/api';

describe('staff management (role admin)', () => {
  let admin: Tokens;
  beforeAll(async () => {
    admin = await adminTokens();
  });

  it('creates an agent who can log in with role agent', async () => {
    const agent = await newStaff('agent');
    expect(agent.id).toMatch(UUID);
    const me = await api('GET', '/api/v1/users/me', { token: agent.tokens.access_token });
    expect(me.body.role).toBe('agent');
  });

  it('creates another admin', async () => {
    const other = await newStaff('admin');
    const me = await api('GET', '/api/v1/users/me', { token: other.tokens.access_token });
    expect(me.body.role).toBe('admin');
  });

  it.each([
    ['role user', { role: 'user' }],
    ['an unknown role', { role: 'root' }],
    ['no role', {}],
    ['an unknown field', { role: 'agent', tier: 25000 }],
  ])('refuses %s with 400', async (_c, extra) => {
    const res = await api('POST', '/api/v1/admin/users', {
      token: admin.access_token,
      body: { email: uniqueEmail('staff'), password: 'long enough', ...extra },
    });
    expect(res.status).toBe(400);
    expectErrorBody(res);
  });

  it('refuses an e-mail already taken (any case) with 409', async () => {
    const client = await newClient();
    const res = await api('POST', '/api/v1/admin/users', {
      token: admin.access_token,
      body: { email: client.email.toUpperCase(), password: 'long enough', role: 'agent' },
    });
    expect(res.status).toBe(409);
    expectErrorBody(res);
  });

  it('lists agents with the list shape and paging', async () => {
    await newStaff('agent');
    await newStaff('agent');
    const res = await api('GET', '/api/v1/admin/users?role=agent&page=1&page_size=2', {
      token: admin.access_token,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, page_size: 2, total: expect.any(Number) });
    expect(res.body.items).toHaveLength(2);
    expect(res.body.total).toBeGreaterThanOrEqual(3);
    for (const user of res.body.items) expect(user.role).toBe('agent');
    const [a, b] = res.body.items;
    expect(a.created_at >= b.created_at).toBe(true);
  });

  it.each([
    ['page_size 0', '?page_size=0'],
    ['page_size 101', '?page_size=101'],
    ['page 0', '?page=0'],
    ['a non-numeric page', '?page=abc'],
    ['an unknown role filter', '?role=superuser'],
  ])('answers 400 for %s', async (_c, query) => {
    const res = await api('GET', `/api/v1/admin/users${query}`, { token: admin.access_token });
    expect(res.status).toBe(400);
    expectErrorBody(res);
  });

  it('changes a client tier and role; the user sees it', async () => {
    const client = await newClient();
    const res = await api('PATCH', `/api/v1/admin/users/${client.id}`, {
      token: admin.access_token,
      body: { tier: 25000 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: client.id, tier: 25000, role: 'user' });

    const promoted = await api('PATCH', `/api/v1/admin/users/${client.id}`, {
      token: admin.access_token,
      body: { role: 'agent', tier: 100000 },
    });
    expect(promoted.body).toMatchObject({ role: 'agent', tier: 100000 });

    const me = await api('GET', '/api/v1/users/me', { token: client.tokens.access_token });
    expect(me.body).toMatchObject({ role: 'agent', tier: 100000 });
  });

  it.each([
    ['a tier that does not exist', { tier: 12345 }],
    ['an unknown role', { role: 'owner' }],
    ['an unknown field', { email: 'x@ajla.test' }],
  ])('refuses %s with 400', async (_c, body) => {
    const client = await newClient();
    const res = await api('PATCH', `/api/v1/admin/users/${client.id}`, {
      token: admin.access_token,
      body,
    });
    expect(res.status).toBe(400);
    expectErrorBody(res);
  });

  it('answers 404 for an unknown user id', async () => {
    const res = await api('PATCH', `/api/v1/admin/users/${randomUUID()}`, {
      token: admin.access_token,
      body: { tier: 25000 },
    });
    expect(res.status).toBe(404);
    expectErrorBody(res);
  });

  it('answers 400 or 404 for an id that is not a UUID, never 500', async () => {
    const res = await api('PATCH', '/api/v1/admin/users/not-a-uuid', {
      token: admin.access_token,
      body: { tier: 25000 },
    });
    expect([400, 404]).toContain(res.status);
    expectErrorBody(res);
  });

  describe('who may manage staff', () => {
    it('answers 403 to a client', async () => {
      const client = await newClient();
      const token = client.tokens.access_token;
      for (const res of [
        await api('GET', '/api/v1/admin/users', { token }),
        await api('POST', '/api/v1/admin/users', {
          token,
          body: { email: uniqueEmail(), password: 'long enough', role: 'admin' },
        }),
        await api('PATCH', `/api/v1/admin/users/${client.id}`, { token, body: { role: 'admin' } }),
      ]) {
        expect(res.status).toBe(403);
        expectErrorBody(res);
      }
      const me = await api('GET', '/api/v1/users/me', { token });
      expect(me.body.role).toBe('user');
    });

    it('answers 403 to an agent', async () => {
      const agent = await newStaff('agent');
      const res = await api('PATCH', `/api/v1/admin/users/${agent.id}`, {
        token: agent.tokens.access_token,
        body: { role: 'admin' },
      });
      expect(res.status).toBe(403);
    });

    it('answers 401 without a token', async () => {
      expect((await api('GET', '/api/v1/admin/users')).status).toBe(401);
    });
  });
});
