import { api, expectErrorBody, newClient, type Account } from '../support/api';

describe('profile (GET/PUT /api/v1/users/me)', () => {
  let client: Account;
  beforeAll(async () => {
    client = await newClient('Original Name');
  });

  it('returns the caller', async () => {
    const res = await api('GET', '/api/v1/users/me', { token: client.tokens.access_token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: client.id,
      email: client.email,
      full_name: 'Original Name',
      role: 'user',
      tier: 5000,
    });
  });

  it('updates full_name and preferences, and the change is kept', async () => {
    const preferences = { language: 'ar', dietary: ['halal'], notify: { email: false } };
    const res = await api('PUT', '/api/v1/users/me', {
      token: client.tokens.access_token,
      body: { full_name: 'نور الهدى', preferences },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ full_name: 'نور الهدى', preferences });
    const again = await api('GET', '/api/v1/users/me', { token: client.tokens.access_token });
    expect(again.body).toMatchObject({ full_name: 'نور الهدى', preferences });
  });

  it('accepts a partial update', async () => {
    const res = await api('PUT', '/api/v1/users/me', {
      token: client.tokens.access_token,
      body: { full_name: 'Just Name' },
    });
    expect(res.status).toBe(200);
    expect(res.body.full_name).toBe('Just Name');
    expect(res.body.preferences).toMatchObject({ language: 'ar' });
  });

  it.each([
    ['its e-mail', { email: 'new@ajla.test' }],
    ['its tier', { tier: 100000 }],
    ['its role', { role: 'admin' }],
    ['an unknown field', { avatar: 'x' }],
    ['preferences that are not an object', { preferences: ['a'] }],
    ['preferences as a string', { preferences: 'dark' }],
    ['a wrong-typed full_name', { full_name: 7 }],
  ])('refuses a client changing %s with 400', async (_c, body) => {
    const res = await api('PUT', '/api/v1/users/me', { token: client.tokens.access_token, body });
    expect(res.status).toBe(400);
    expectErrorBody(res);
    const after = await api('GET', '/api/v1/users/me', { token: client.tokens.access_token });
    expect(after.body).toMatchObject({ role: 'user', tier: 5000, email: client.email });
  });

  it('answers 400 for malformed JSON', async () => {
    const res = await api('PUT', '/api/v1/users/me', {
      token: client.tokens.access_token,
      rawBody: '{"full_name":',
    });
    expect(res.status).toBe(400);
    expectErrorBody(res);
  });

  it('answers 401 without a token', async () => {
    const res = await api('PUT', '/api/v1/users/me', { body: { full_name: 'x' } });
    expect(res.status).toBe(401);
  });
});
