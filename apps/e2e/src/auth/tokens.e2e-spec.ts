import { createHmac, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importPKCS8, SignJWT } from 'jose';
import { api, expectErrorBody, newClient, type Account } from '../support/api';
import { e2eState } from '../support/state';

const b64url = (v: object | string) =>
  Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Claims of a genuine access token for `account`, per libs/auth/README.md. */
function claims(account: Account, extra: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: 'ajla-user-service',
    aud: 'ajla',
    sub: account.id,
    role: 'user',
    tier: 5000,
    token_use: 'access',
    iat: now,
    exp: now + 600,
    ...extra,
  };
}

async function signWithPlatformKey(
  payload: Record<string, unknown>,
  header: Record<string, unknown> = {},
) {
  const pem = readFileSync(path.join(e2eState().keysDir, 'jwt-private.pem'), 'utf8');
  const key = await importPKCS8(pem, 'ES256');
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', ...header })
    .sign(key);
}

const me = (token: string) => api('GET', '/api/v1/users/me', { token });

describe('access tokens at the gateway and user-service', () => {
  let client: Account;
  beforeAll(async () => {
    client = await newClient();
  });

  it('accepts the access token from login', async () => {
    const res = await me(client.tokens.access_token);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(client.id);
  });

  it('answers 401 without a token', async () => {
    const res = await api('GET', '/api/v1/users/me');
    expect(res.status).toBe(401);
    expectErrorBody(res);
  });

  it('answers 401 for a malformed Authorization header', async () => {
    const res = await api('GET', '/api/v1/users/me', { headers: { authorization: 'Basic abc' } });
    expect(res.status).toBe(401);
    expectErrorBody(res);
  });

  it('answers 401 for garbage', async () => {
    expect((await me('not.a.jwt')).status).toBe(401);
  });

  it('answers 401 for an expired token signed with the real key', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = await signWithPlatformKey(claims(client, { iat: past - 900, exp: past }));
    const res = await me(token);
    expect(res.status).toBe(401);
    expectErrorBody(res);
  });

  it('answers 401 for a token signed with another key (forged)', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const token = await new SignJWT(claims(client))
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .sign(privateKey);
    expect((await me(token)).status).toBe(401);
  });

  it('answers 401 for a real token whose payload was altered', async () => {
    const [h, , s] = client.tokens.access_token.split('.');
    const token = `${h}.${b64url(claims(client, { role: 'admin' }))}.${s}`;
    expect((await me(token)).status).toBe(401);
  });

  it('answers 401 for "alg: none"', async () => {
    const token = `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(claims(client, { role: 'admin' }))}.`;
    expect((await me(token)).status).toBe(401);
  });

  it('answers 401 for HS256 signed with the public key as the secret', async () => {
    const publicPem = readFileSync(path.join(e2eState().keysDir, 'jwt-public.pem'), 'utf8');
    const signingInput = `${b64url({ alg: 'HS256', typ: 'at+jwt' })}.${b64url(claims(client, { role: 'admin' }))}`;
    const sig = createHmac('sha256', publicPem).update(signingInput).digest('base64url');
    expect((await me(`${signingInput}.${sig}`)).status).toBe(401);
  });

  it('answers 401 for a token of another type, even signed with the real key', async () => {
    const token = await signWithPlatformKey(claims(client, { token_use: 'refresh' }));
    expect((await me(token)).status).toBe(401);
    const wrongTyp = await signWithPlatformKey(claims(client), { typ: 'JWT' });
    expect((await me(wrongTyp)).status).toBe(401);
  });

  it('answers 401 for a token with the wrong issuer or audience', async () => {
    expect(
      (await me(await signWithPlatformKey(claims(client, { iss: 'someone-else' })))).status,
    ).toBe(401);
    expect((await me(await signWithPlatformKey(claims(client, { aud: 'other-app' })))).status).toBe(
      401,
    );
  });

  it('answers 401 for a refresh token used as an access token', async () => {
    const res = await me(client.tokens.refresh_token);
    expect(res.status).toBe(401);
    expectErrorBody(res);
  });

  it('does not accept an access token as a refresh token', async () => {
    const res = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: client.tokens.access_token },
    });
    expect(res.status).toBe(401);
    expectErrorBody(res);
  });

  it('publishes the public key as a JWKS', async () => {
    const res = await api('GET', '/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(res.body.keys[0].d).toBeUndefined();
  });
});

describe('refresh rotation and logout', () => {
  it('rotates: a refresh gives a new pair and spends the old refresh token', async () => {
    const client = await newClient();
    const first = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: client.tokens.refresh_token },
    });
    expect(first.status).toBe(200);
    expect(first.body.token_type).toBe('bearer');
    expect(first.body.refresh_token).not.toBe(client.tokens.refresh_token);
    expect((await me(first.body.access_token)).status).toBe(200);

    const second = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: first.body.refresh_token },
    });
    expect(second.status).toBe(200);
  });

  it('revokes the whole family when a spent refresh token is presented again', async () => {
    const client = await newClient();
    const rotated = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: client.tokens.refresh_token },
    });
    expect(rotated.status).toBe(200);

    const reuse = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: client.tokens.refresh_token },
    });
    expect(reuse.status).toBe(401);
    expectErrorBody(reuse);

    const newest = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: rotated.body.refresh_token },
    });
    expect(newest.status).toBe(401);
  });

  it('keeps other sessions of the same user working when one family is revoked', async () => {
    const client = await newClient();
    const otherSession = await api('POST', '/api/v1/auth/login', {
      body: { email: client.email, password: client.password },
    });
    await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: client.tokens.refresh_token },
    });
    await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: client.tokens.refresh_token },
    });
    const res = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: otherSession.body.refresh_token },
    });
    expect(res.status).toBe(200);
  });

  it('logs out: 204, and that family can no longer refresh', async () => {
    const client = await newClient();
    const rotated = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: client.tokens.refresh_token },
    });
    const out = await api('POST', '/api/v1/auth/logout', {
      token: rotated.body.access_token,
      body: { refresh_token: rotated.body.refresh_token },
    });
    expect(out.status).toBe(204);
    const res = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: rotated.body.refresh_token },
    });
    expect(res.status).toBe(401);
  });

  it('needs the access token to log out (401 without it), and keeps the family alive then', async () => {
    const client = await newClient();
    const res = await api('POST', '/api/v1/auth/logout', {
      body: { refresh_token: client.tokens.refresh_token },
    });
    expect(res.status).toBe(401);
    expectErrorBody(res);
    const refresh = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: client.tokens.refresh_token },
    });
    expect(refresh.status).toBe(200);
  });

  it("cannot end another user's session", async () => {
    const victim = await newClient();
    const attacker = await newClient();
    const out = await api('POST', '/api/v1/auth/logout', {
      token: attacker.tokens.access_token,
      body: { refresh_token: victim.tokens.refresh_token },
    });
    expect(out.status).toBe(204);
    const refresh = await api('POST', '/api/v1/auth/refresh', {
      body: { refresh_token: victim.tokens.refresh_token },
    });
    expect(refresh.status).toBe(200);
  });

  it.each([['an unknown refresh token', { refresh_token: 'A'.repeat(43) }]])(
    'answers 401 to refresh with %s',
    async (_c, body) => {
      const res = await api('POST', '/api/v1/auth/refresh', { body });
      expect(res.status).toBe(401);
      expectErrorBody(res);
    },
  );

  it.each([
    ['a missing refresh_token', {}],
    ['a wrong-typed refresh_token', { refresh_token: 12 }],
    ['an unknown field', { refresh_token: 'x'.repeat(43), extra: 1 }],
  ])('answers 400 to refresh with %s', async (_c, body) => {
    const res = await api('POST', '/api/v1/auth/refresh', { body });
    expect(res.status).toBe(400);
    expectErrorBody(res);
  });
});
