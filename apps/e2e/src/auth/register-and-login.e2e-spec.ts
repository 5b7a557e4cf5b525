import { api, expectErrorBody, ISO_UTC, login, uniqueEmail, UUID } from '../support/api';
import { e2eState } from '../support/state';

describe('register and log in (API.md "Auth and profile")', () => {
  it('registers a client with the documented user shape and no secret fields', async () => {
    const email = uniqueEmail();
    const res = await api('POST', '/api/v1/auth/register', {
      body: { email, password: 'long enough', full_name: 'Layla Al-Amin' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID),
      email,
      full_name: 'Layla Al-Amin',
      tier: 5000,
      role: 'user',
      preferences: {},
      created_at: expect.stringMatching(ISO_UTC),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/password|hash/i);
  });

  it('keeps Arabic and emoji names intact', async () => {
    const res = await api('POST', '/api/v1/auth/register', {
      body: { email: uniqueEmail(), password: 'long enough', full_name: 'ليلى 🌙' },
    });
    expect(res.status).toBe(201);
    expect(res.body.full_name).toBe('ليلى 🌙');
  });

  it('registers without full_name', async () => {
    const res = await api('POST', '/api/v1/auth/register', {
      body: { email: uniqueEmail(), password: 'long enough' },
    });
    expect(res.status).toBe(201);
  });

  it('refuses an e-mail already taken in another letter case with 409', async () => {
    const email = uniqueEmail();
    expect(
      (await api('POST', '/api/v1/auth/register', { body: { email, password: 'long enough' } }))
        .status,
    ).toBe(201);
    const res = await api('POST', '/api/v1/auth/register', {
      body: { email: email.toUpperCase(), password: 'another one' },
    });
    expect(res.status).toBe(409);
    expectErrorBody(res);
  });

  it.each([
    ['a missing password', { email: 'x@ajla.test' }],
    ['a missing e-mail', { password: 'long enough' }],
    ['a short password', { email: 'short@ajla.test', password: 'seven77' }],
    ['a malformed e-mail', { email: 'not-an-email', password: 'long enough' }],
    ['a wrong-typed e-mail', { email: 42, password: 'long enough' }],
    [
      'a wrong-typed full_name',
      { email: 'typed@ajla.test', password: 'long enough', full_name: ['x'] },
    ],
    ['an unknown field', { email: 'unknown@ajla.test', password: 'long enough', nickname: 'x' }],
    [
      'a client making itself admin',
      { email: 'sneaky@ajla.test', password: 'long enough', role: 'admin' },
    ],
    [
      'a client choosing its tier',
      { email: 'sneaky2@ajla.test', password: 'long enough', tier: 100000 },
    ],
  ])('answers 400 with a detail for %s', async (_case, body) => {
    const res = await api('POST', '/api/v1/auth/register', { body });
    expect(res.status).toBe(400);
    expectErrorBody(res);
  });

  it('answers 400 with a JSON detail for malformed JSON', async () => {
    const res = await api('POST', '/api/v1/auth/register', {
      rawBody: '{"email": "a@b.co", "password": ',
    });
    expect(res.status).toBe(400);
    expectErrorBody(res);
  });

  it('answers 400 for a JSON body that is not an object', async () => {
    const res = await api('POST', '/api/v1/auth/register', { rawBody: '["a"]' });
    expect(res.status).toBe(400);
    expectErrorBody(res);
  });

  it('logs in with the e-mail in any letter case and returns the token pair', async () => {
    const email = uniqueEmail();
    await api('POST', '/api/v1/auth/register', { body: { email, password: 'long enough' } });
    const res = await api('POST', '/api/v1/auth/login', {
      body: { email: email.toUpperCase(), password: 'long enough' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'bearer',
      expires_in: expect.any(Number),
    });
    expect(res.body.expires_in).toBeGreaterThanOrEqual(60);
    expect(res.body.expires_in).toBeLessThanOrEqual(3600);
    expect(res.body.refresh_token).not.toBe(res.body.access_token);
  });

  it('gives the same answer for a wrong password and an unknown e-mail', async () => {
    const email = uniqueEmail();
    await api('POST', '/api/v1/auth/register', { body: { email, password: 'long enough' } });
    const wrong = await api('POST', '/api/v1/auth/login', {
      body: { email, password: 'wrong password' },
    });
    const unknown = await api('POST', '/api/v1/auth/login', {
      body: { email: uniqueEmail('nobody'), password: 'wrong password' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expectErrorBody(wrong);
  });

  it('answers 400 for a login body with unknown fields', async () => {
    const res = await api('POST', '/api/v1/auth/login', {
      body: { email: 'a@ajla.test', password: 'long enough', remember: true },
    });
    expect(res.status).toBe(400);
    expectErrorBody(res);
  });

  it('lets the bootstrap admin log in', async () => {
    const tokens = await login(e2eState().admin.email, e2eState().admin.password);
    const me = await api('GET', '/api/v1/users/me', { token: tokens.access_token });
    expect(me.status).toBe(200);
    expect(me.body.role).toBe('admin');
  });
});
