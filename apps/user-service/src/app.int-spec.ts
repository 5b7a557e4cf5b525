import { callJson, type JsonAnswer } from '@ajla/service-testing';
import { waitFor } from '@ajla/testing';
import type { ConsumeMessage } from 'amqplib';
import { ROOT_ADMIN, startUserService, type UserServiceUnderTest } from '../test/harness';

jest.setTimeout(60_000);

/** The whole service on a free port, over real HTTP, on a fresh database and Redis prefix. */
describe('user-service over HTTP', () => {
  let service: UserServiceUnderTest;
  let baseUrl: string;
  const admin = ROOT_ADMIN;
  // Everything published on the run's own exchange.
  let published: ConsumeMessage[];

  beforeAll(async () => {
    service = await startUserService('http', {
      tap: 'user.*',
      // Lower than API.md's 100 so the address rule is quick to reach; every other test logs in
      // from its own address or fails fewer times than this.
      env: { LOGIN_MAX_FAILURES_PER_ADDRESS: '20' },
    });
    ({ baseUrl, published } = service);
  });

  afterAll(async () => {
    await service?.stop();
  });

  const call = (
    method: string,
    url: string,
    options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<JsonAnswer> => callJson(baseUrl, method, url, options);

  const register = (email: string, password = 'long enough', extra: object = {}) =>
    call('POST', '/api/v1/auth/register', { body: { email, password, ...extra } });
  const login = (email: string, password = 'long enough', from?: string) =>
    call('POST', '/api/v1/auth/login', {
      body: { email, password },
      headers: from ? { 'x-forwarded-for': from } : undefined,
    });
  const refresh = (token: string) =>
    call('POST', '/api/v1/auth/refresh', { body: { refresh_token: token } });

  it('walks register → login → me → refresh → reuse → logout', async () => {
    const registered = await register('Walker@AJLA.test', 'long enough', { full_name: 'ليلى 🌙' });
    expect(registered.status).toBe(201);
    expect(registered.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'walker@ajla.test',
      full_name: 'ليلى 🌙',
      tier: 5000,
      role: 'user',
      preferences: {},
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });

    const first = await login('WALKER@ajla.test');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      token_type: 'bearer',
      expires_in: 900,
    });

    const me = await call('GET', '/api/v1/users/me', { token: first.body.access_token });
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(registered.body.id);

    const second = await refresh(first.body.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(
      (await call('GET', '/api/v1/users/me', { token: second.body.access_token })).status,
    ).toBe(200);

    // The spent token comes back: 401, and the whole family is revoked, its access tokens too.
    const reuse = await refresh(first.body.refresh_token);
    expect(reuse.status).toBe(401);
    expect(reuse.body).toEqual({ detail: expect.any(String), code: expect.any(String) });
    expect((await refresh(second.body.refresh_token)).status).toBe(401);
    const revokedAnswer = (token: string) =>
      waitFor(async () => {
        const answer = await call('GET', '/api/v1/users/me', { token });
        return answer.status === 401 && answer.body;
      }, 1000);
    expect(await revokedAnswer(second.body.access_token)).toEqual({
      detail: 'Session has ended: sign in again',
      code: 'session_revoked',
    });

    // A new login is a new family; logout ends it and its access token, and says 204 again the
    // second time (here from another session of the same account).
    const again = await login('walker@ajla.test');
    const other = await login('walker@ajla.test');
    const out = await call('POST', '/api/v1/auth/logout', {
      token: again.body.access_token,
      body: { refresh_token: again.body.refresh_token },
    });
    expect(out.status).toBe(204);
    expect((await refresh(again.body.refresh_token)).status).toBe(401);
    expect(await revokedAnswer(again.body.access_token)).toMatchObject({ code: 'session_revoked' });
    const outAgain = await call('POST', '/api/v1/auth/logout', {
      token: other.body.access_token,
      body: { refresh_token: again.body.refresh_token },
    });
    expect(outAgain.status).toBe(204);
    expect((await call('GET', '/api/v1/users/me', { token: other.body.access_token })).status).toBe(
      200,
    );
    expect(
      (await call('POST', '/api/v1/auth/logout', { body: { refresh_token: 'x' } })).status,
    ).toBe(401);
  });

  it('answers registration and login errors as API.md says', async () => {
    await register('dup@ajla.test');
    expect((await register('DUP@ajla.test')).status).toBe(409);
    expect((await register('bad-email')).status).toBe(400);
    expect((await register('short@ajla.test', 'seven77')).status).toBe(400);
    expect((await register('role@ajla.test', 'long enough', { role: 'admin' })).status).toBe(400);

    const wrong = await login('dup@ajla.test', 'wrong password');
    const unknown = await login('nobody@ajla.test', 'wrong password');
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    const shape = await register('shape@ajla.test');
    expect(Object.keys(shape.body).sort()).toEqual([
      'created_at',
      'email',
      'full_name',
      'id',
      'preferences',
      'role',
      'tier',
    ]);
    expect(JSON.stringify(shape.body)).not.toMatch(/argon2|password/);
  });

  it('updates the profile and refuses what a client may not change', async () => {
    await register('profile@ajla.test');
    const { access_token: token } = (await login('profile@ajla.test')).body;

    const updated = await call('PUT', '/api/v1/users/me', {
      token,
      body: { full_name: 'نور', preferences: { language: 'ar', notify: { email: false } } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      full_name: 'نور',
      preferences: { language: 'ar', notify: { email: false } },
    });

    for (const body of [
      { email: 'x@ajla.test' },
      { tier: 100000 },
      { role: 'admin' },
      { preferences: ['a'] },
      { preferences: { big: 'x'.repeat(20_000) } },
    ]) {
      const res = await call('PUT', '/api/v1/users/me', { token, body });
      expect(res.status).toBe(400);
      expect(typeof res.body.detail).toBe('string');
    }
    expect((await call('GET', '/api/v1/users/me', { token })).body).toMatchObject({
      role: 'user',
      tier: 5000,
      full_name: 'نور',
    });
  });

  it('lets the bootstrap admin manage staff, and nobody else', async () => {
    const root = (await login(admin.email, admin.password)).body.access_token as string;
    expect((await call('GET', '/api/v1/users/me', { token: root })).body.role).toBe('admin');

    const agent = await call('POST', '/api/v1/admin/users', {
      token: root,
      body: {
        email: 'agent.one@ajla.test',
        password: 'agent password',
        full_name: 'Agent One',
        role: 'agent',
      },
    });
    expect(agent.status).toBe(201);
    expect(agent.body.role).toBe('agent');
    expect(
      (
        await call('POST', '/api/v1/admin/users', {
          token: root,
          body: { email: 'c@ajla.test', password: 'long enough', role: 'user' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('POST', '/api/v1/admin/users', {
          token: root,
          body: { email: 'AGENT.ONE@ajla.test', password: 'long enough', role: 'agent' },
        })
      ).status,
    ).toBe(409);

    const list = await call('GET', '/api/v1/admin/users?role=agent&page=1&page_size=10', {
      token: root,
    });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      total: 1,
      page: 1,
      page_size: 10,
      items: [{ id: agent.body.id }],
    });
    expect((await call('GET', '/api/v1/admin/users?page_size=101', { token: root })).status).toBe(
      400,
    );

    const patched = await call('PATCH', `/api/v1/admin/users/${agent.body.id}`, {
      token: root,
      body: { tier: 25000 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ role: 'agent', tier: 25000 });
    expect(
      (
        await call('PATCH', '/api/v1/admin/users/0193aaaa-0000-7000-8000-000000000000', {
          token: root,
          body: { tier: 25000 },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call('PATCH', '/api/v1/admin/users/not-a-uuid', {
          token: root,
          body: { tier: 25000 },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('PATCH', `/api/v1/admin/users/${agent.body.id}`, {
          token: root,
          body: { tier: 12345 },
        })
      ).status,
    ).toBe(400);

    const agentToken = (await login('agent.one@ajla.test', 'agent password')).body
      .access_token as string;
    expect((await call('GET', '/api/v1/admin/users', { token: agentToken })).status).toBe(403);
    expect((await call('GET', '/api/v1/admin/users')).status).toBe(401);
  });

  it('throttles an account after 10 failures with 429 and Retry-After, even for the right password', async () => {
    await register('locked@ajla.test');
    for (let i = 0; i < 10; i++) {
      expect((await login('locked@ajla.test', `wrong ${i}`, '203.0.113.10')).status).toBe(401);
    }
    const locked = await login('locked@ajla.test', 'long enough', '203.0.113.10');
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(900);
    expect(typeof locked.body.detail).toBe('string');
  });

  it('throttles a client address (taken from X-Forwarded-For) after its failures, only that address', async () => {
    await register('victim@ajla.test');
    for (let i = 0; i < 20; i++) {
      expect((await login(`guess.${i}@ajla.test`, 'password1', '198.51.100.77')).status).toBe(401);
    }
    const blocked = await login('victim@ajla.test', 'long enough', '198.51.100.77');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login('victim@ajla.test', 'long enough', '198.51.100.78')).status).toBe(200);
  });

  it('publishes the JWKS at both paths, without the private part', async () => {
    const wellKnown = await call('GET', '/.well-known/jwks.json');
    const api = await call('GET', '/api/v1/auth/jwks');
    expect(wellKnown.status).toBe(200);
    expect(api.body).toEqual(wellKnown.body);
    expect(wellKnown.body.keys[0]).toMatchObject({
      kty: 'EC',
      crv: 'P-256',
      alg: 'ES256',
      use: 'sig',
      kid: expect.any(String),
    });
    expect(wellKnown.body.keys[0].d).toBeUndefined();
  });

  it('publishes user.registered and user.updated (role and tier) through the outbox', async () => {
    const eventOf = (type: string, userId: string) =>
      waitFor(() => {
        const message = published.find((m) => {
          const envelope = JSON.parse(m.content.toString('utf8'));
          return envelope.type === type && envelope.data.user_id === userId;
        });
        return message && { message, envelope: JSON.parse(message.content.toString('utf8')) };
      });

    const registered = await register('events@ajla.test', 'long enough', { full_name: 'Events' });
    expect(registered.status).toBe(201);
    const created = await eventOf('user.registered', registered.body.id);
    expect(created.message.properties).toMatchObject({
      deliveryMode: 2,
      messageId: created.envelope.id,
      type: 'user.registered',
    });
    expect(created.message.fields.routingKey).toBe('user.registered');
    expect(created.envelope).toMatchObject({
      version: 1,
      producer: 'user-service',
      correlation_id: registered.headers.get('x-correlation-id'),
      data: {
        email: 'events@ajla.test',
        full_name: 'Events',
        role: 'user',
        tier: 5000,
        created_at: registered.body.created_at,
      },
    });

    const root = (await login(admin.email, admin.password)).body.access_token as string;
    const patched = await call('PATCH', `/api/v1/admin/users/${registered.body.id}`, {
      token: root,
      body: { role: 'agent', tier: 100000 },
      headers: { 'x-correlation-id': 'corr-promote-1' },
    });
    expect(patched.status).toBe(200);
    const updated = await eventOf('user.updated', registered.body.id);
    expect(updated.message.properties.headers).toMatchObject({
      'x-correlation-id': 'corr-promote-1',
      traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/),
    });
    expect(updated.envelope.data).toMatchObject({
      email: 'events@ajla.test',
      full_name: 'Events',
      role: 'agent',
      tier: 100000,
      changed: ['role', 'tier'],
    });
  });

  it('serves health and its OpenAPI document', async () => {
    expect((await call('GET', '/health/ready')).status).toBe(200);
    const docs = await call('GET', '/docs-json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/register',
        '/api/v1/users/me',
        '/api/v1/admin/users/{id}',
        '/.well-known/jwks.json',
      ]),
    );
    // Public operations override the document-wide bearer requirement; the rest need the token.
    const { paths } = docs.body;
    expect(docs.body.security).toEqual([{ bearer: [] }]);
    for (const path of ['register', 'login', 'refresh']) {
      expect(paths[`/api/v1/auth/${path}`].post.security).toEqual([]);
    }
    expect(paths['/api/v1/users/me'].get.security).toEqual([{ bearer: [] }]);
    // A nullable string is a string in the document, not an object.
    const schemas = docs.body.components.schemas;
    expect(schemas.RegisterRequest.properties.full_name.type).toBe('string');
    expect(schemas.UpdateProfileRequest.properties.full_name.type).toBe('string');
  });
});
