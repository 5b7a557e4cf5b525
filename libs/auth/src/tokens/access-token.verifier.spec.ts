import { generateKeyPairSync, sign } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { SignJWT, base64url, importPKCS8 } from 'jose';
import { UnauthenticatedError } from '@ajla/shared-kernel';
import { loadConfig } from '@ajla/platform';
import { AuthConfig } from '../auth.config';
import { JwksUnavailableError } from '../keys/key-resolution';
import { JwtService } from '@nestjs/jwt';
import { AccessTokenVerifier, CHECKED_TOKEN_TTL_MS } from './access-token.verifier';
import { TokenSigner } from './token-signer';

function pemPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

const pair = pemPair();
const config = loadConfig(AuthConfig, {
  JWT_PRIVATE_KEY: pair.privatePem,
  JWT_PUBLIC_KEY: pair.publicPem,
});
const claims = { role: 'agent', tier: 25000, sid: 'session-1', token_use: 'access' };
const now = () => Math.floor(Date.now() / 1000);

/** A token like the signer's, with parts overridden, signed with any key and algorithm. */
async function craft({
  header = {},
  payload = {},
  key = pair.privatePem,
  alg = 'ES256',
}: {
  header?: Record<string, unknown>;
  payload?: Record<string, unknown>;
  key?: string | Uint8Array;
  alg?: string;
} = {}): Promise<string> {
  const signingKey = typeof key === 'string' ? await importPKCS8(key, alg) : key;
  const standard = {
    iss: 'ajla-user-service',
    aud: 'ajla',
    sub: '0190a5e4-7b1c-7c3e-9f00-000000000001',
  };
  return new SignJWT({ ...standard, iat: now(), exp: now() + 900, ...claims, ...payload })
    .setProtectedHeader({ alg, typ: 'at+jwt', ...header })
    .sign(signingKey);
}

/** A token signed by the right key with node:crypto: any payload text, either ECDSA encoding. */
function signedRaw(
  payloadJson: string,
  dsaEncoding: 'ieee-p1363' | 'der' = 'ieee-p1363',
  header: Record<string, unknown> = { alg: 'ES256', typ: 'at+jwt' },
): string {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(payloadJson)}`;
  const signature = sign('sha256', Buffer.from(input), { key: pair.privatePem, dsaEncoding });
  return `${input}.${signature.toString('base64url')}`;
}

async function reasonOf(verifier: AccessTokenVerifier, token: string): Promise<string> {
  try {
    await verifier.verify(token);
  } catch (error) {
    expect(error).toBeInstanceOf(UnauthenticatedError);
    return `${(error as UnauthenticatedError).reason}: ${(error as Error).message}`;
  }
  throw new Error('expected the token to be refused');
}

describe('AccessTokenVerifier', () => {
  let verifier: AccessTokenVerifier;
  let signer: TokenSigner;

  beforeAll(async () => {
    verifier = await AccessTokenVerifier.fromConfig(config);
    signer = await TokenSigner.fromConfig(config);
  });

  it("accepts the signer's token and returns the caller", async () => {
    const { token, expiresIn } = await signer.sign({
      sub: 'user-1',
      role: 'admin',
      tier: 100000,
      sid: 'session-9',
    });
    expect(expiresIn).toBe(900);
    await expect(verifier.verify(token)).resolves.toEqual({
      id: 'user-1',
      role: 'admin',
      tier: 100000,
      sessionId: 'session-9',
      issuedAt: expect.any(Number),
    });
  });

  it('refuses a token without a session id: it could not be revoked', async () => {
    for (const sid of [undefined, '', 42]) {
      expect(await reasonOf(verifier, await craft({ payload: { sid } }))).toBe(
        'invalid_token: Access token lacks a session id',
      );
    }
  });

  it('asks the revocation list last, and answers what it says', async () => {
    const seen: string[] = [];
    const listed = await AccessTokenVerifier.fromConfig(config, {
      admit: (user) => {
        seen.push(user.sessionId);
        if (user.sessionId === 'ended') throw new UnauthenticatedError('gone', 'session_revoked');
        return { ...user, role: 'user' };
      },
    });
    await expect(listed.verify(await craft())).resolves.toMatchObject({ role: 'user' });
    expect(await reasonOf(listed, await craft({ payload: { sid: 'ended' } }))).toBe(
      'session_revoked: gone',
    );
    await expect(listed.verify(await craft({ key: pemPair().privatePem }))).rejects.toThrow();
    expect(seen).toEqual(['session-1', 'ended']);
  });

  describe('a token checked a moment ago', () => {
    afterEach(() => {
      jest.useRealTimers();
      jest.restoreAllMocks();
    });

    it('is taken from memory for a minute at most, and the revocation list is asked every time', async () => {
      jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
      const checks = jest.spyOn(JwtService.prototype, 'verifyAsync');
      let ended = false;
      const listed = await AccessTokenVerifier.fromConfig(config, {
        admit: (user) => {
          if (ended) throw new UnauthenticatedError('gone', 'session_revoked');
          return user;
        },
      });
      const token = await craft();
      for (let i = 0; i < 3; i++) await expect(listed.verify(token)).resolves.toBeDefined();
      expect(checks).toHaveBeenCalledTimes(1);
      // Another text is another token, checked on its own.
      await expect(listed.verify(await craft({ key: pemPair().privatePem }))).rejects.toThrow();
      expect(checks).toHaveBeenCalledTimes(2);

      jest.setSystemTime(Date.now() + CHECKED_TOKEN_TTL_MS + 1);
      await expect(listed.verify(token)).resolves.toBeDefined();
      expect(checks).toHaveBeenCalledTimes(3);

      ended = true;
      expect(await reasonOf(listed, token)).toBe('session_revoked: gone');
    });

    it('is checked again once expired, and refused', async () => {
      jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate'] });
      const token = await craft({ payload: { exp: now() + 5 } });
      await expect(verifier.verify(token)).resolves.toBeDefined();
      // Past its exp and the 30 s clock tolerance.
      jest.setSystemTime(Date.now() + 40_000);
      expect(await reasonOf(verifier, token)).toBe('token_expired: Access token expired');
    });

    it('comes back as a copy: what a caller does to it is not remembered', async () => {
      const token = await craft();
      const first = await verifier.verify(token);
      first.role = 'admin';
      await expect(verifier.verify(token)).resolves.toMatchObject({ role: 'agent' });
    });
  });

  it('refuses an expired token', async () => {
    const past = new Date(Date.now() - 16 * 60_000);
    const oldSigner = await TokenSigner.fromConfig(config, { now: () => past });
    const { token } = await oldSigner.sign({ sub: 'user-1', role: 'user', tier: 5000, sid: 's' });
    expect(await reasonOf(verifier, token)).toBe('token_expired: Access token expired');
  });

  it('tolerates a little clock skew, not more', async () => {
    const expiredJustNow = await craft({ payload: { exp: now() - 10 } });
    await expect(verifier.verify(expiredJustNow)).resolves.toMatchObject({ role: 'agent' });
    const expiredMinuteAgo = await craft({ payload: { exp: now() - 61 } });
    expect(await reasonOf(verifier, expiredMinuteAgo)).toMatch(/^token_expired/);
  });

  it('refuses a token signed by another key', async () => {
    const forged = await craft({ key: pemPair().privatePem });
    expect(await reasonOf(verifier, forged)).toBe(
      'invalid_token: Access token signature is not valid',
    );
  });

  it('refuses a token whose payload was altered', async () => {
    const [header, , signature] = (await craft()).split('.');
    const payload = base64url.encode(
      JSON.stringify({
        ...claims,
        role: 'admin',
        sub: 'x',
        iss: 'ajla-user-service',
        aud: 'ajla',
        iat: now(),
        exp: now() + 600,
      }),
    );
    expect(await reasonOf(verifier, `${header}.${payload}.${signature}`)).toMatch(
      /^invalid_token: Access token signature/,
    );
  });

  it('refuses alg "none"', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }));
    const payload = base64url.encode(
      JSON.stringify({
        ...claims,
        sub: 'x',
        iss: 'ajla-user-service',
        aud: 'ajla',
        iat: now(),
        exp: now() + 600,
      }),
    );
    expect(await reasonOf(verifier, `${header}.${payload}.`)).toMatch(/^invalid_token/);
  });

  it('refuses HS256 signed with the public key as the HMAC secret', async () => {
    const token = await craft({ alg: 'HS256', key: new TextEncoder().encode(pair.publicPem) });
    expect(await reasonOf(verifier, token)).toBe(
      'invalid_token: Access token algorithm not allowed',
    );
  });

  it('refuses another issuer or audience', async () => {
    expect(await reasonOf(verifier, await craft({ payload: { iss: 'evil' } }))).toBe(
      'invalid_token: Access token claim "iss" not accepted',
    );
    expect(await reasonOf(verifier, await craft({ payload: { aud: 'other-app' } }))).toBe(
      'invalid_token: Access token claim "aud" not accepted',
    );
  });

  it('refuses any other token type', async () => {
    expect(await reasonOf(verifier, await craft({ header: { typ: 'JWT' } }))).toBe(
      'wrong_token_type: Not an access token',
    );
    expect(await reasonOf(verifier, await craft({ payload: { token_use: 'refresh' } }))).toBe(
      'wrong_token_type: Not an access token',
    );
  });

  it('refuses a token without a valid role or tier', async () => {
    expect(await reasonOf(verifier, await craft({ payload: { role: undefined } }))).toMatch(
      /^invalid_token/,
    );
    expect(await reasonOf(verifier, await craft({ payload: { role: 'root' } }))).toMatch(
      /^invalid_token/,
    );
    expect(await reasonOf(verifier, await craft({ payload: { tier: '5000' } }))).toMatch(
      /^invalid_token/,
    );
  });

  it('refuses garbage', async () => {
    expect(await reasonOf(verifier, 'not-a-jwt')).toBe('invalid_token: Malformed access token');
  });

  it('accepts a raw (JWS) ECDSA signature and refuses a DER one as malformed, not as an error', async () => {
    const payload = JSON.stringify({
      ...claims,
      sub: 'x',
      iss: 'ajla-user-service',
      aud: 'ajla',
      iat: now(),
      exp: now() + 600,
    });
    await expect(verifier.verify(signedRaw(payload))).resolves.toMatchObject({ id: 'x' });
    expect(await reasonOf(verifier, signedRaw(payload, 'der'))).toBe(
      'invalid_token: Malformed access token',
    );
  });

  it('refuses alg "none" with a signature too, and other asymmetric algorithms', async () => {
    const [, payload, signature] = (await craft()).split('.');
    const none = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }));
    expect(await reasonOf(verifier, `${none}.${payload}.${signature}`)).toBe(
      'invalid_token: Access token algorithm not allowed',
    );
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    const es384 = p384.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(await reasonOf(verifier, await craft({ alg: 'ES384', key: es384 }))).toBe(
      'invalid_token: Access token algorithm not allowed',
    );
  });

  it('requires exp and iat as numbers (jsonwebtoken alone would take a token without exp)', async () => {
    expect(await reasonOf(verifier, await craft({ payload: { exp: undefined } }))).toBe(
      'invalid_token: Access token claim "exp" missing',
    );
    expect(await reasonOf(verifier, await craft({ payload: { iat: undefined } }))).toBe(
      'invalid_token: Access token claim "iat" missing',
    );
    expect(await reasonOf(verifier, await craft({ payload: { iat: 'today' } }))).toBe(
      'invalid_token: Access token claim "iat" not accepted',
    );
    expect(await reasonOf(verifier, signedRaw(JSON.stringify({ exp: 'never' })))).toBe(
      'invalid_token: Access token claim "exp" not accepted',
    );
  });

  it('refuses a token not valid yet, beyond the clock tolerance', async () => {
    await expect(
      verifier.verify(await craft({ payload: { nbf: now() + 10 } })),
    ).resolves.toMatchObject({ role: 'agent' });
    expect(await reasonOf(verifier, await craft({ payload: { nbf: now() + 120 } }))).toBe(
      'invalid_token: Access token claim "nbf" not accepted',
    );
  });

  it('reads typ as a media type: at+jwt, application/at+jwt, any case; nothing else', async () => {
    for (const typ of ['application/at+jwt', 'AT+JWT']) {
      await expect(verifier.verify(await craft({ header: { typ } }))).resolves.toBeDefined();
    }
    for (const typ of [undefined, 'jwt', 'text/at+jwt', 42]) {
      expect(await reasonOf(verifier, await craft({ header: { typ } }))).toBe(
        'wrong_token_type: Not an access token',
      );
    }
  });

  it('takes an audience list that names us, and no subject but a string', async () => {
    await expect(
      verifier.verify(await craft({ payload: { aud: ['billing', 'ajla'] } })),
    ).resolves.toBeDefined();
    for (const sub of [42, '', undefined]) {
      expect(await reasonOf(verifier, await craft({ payload: { sub } }))).toBe(
        'invalid_token: Access token lacks a valid subject, role or tier',
      );
    }
  });

  it('refuses a signed payload that is not a JSON object', async () => {
    for (const payload of ['"access"', '[1,2]', 'not json', 'null']) {
      expect(await reasonOf(verifier, signedRaw(payload))).toMatch(/^invalid_token: /);
    }
  });

  it('verifies against a JWKS served over HTTP, choosing the key by kid', async () => {
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(signer.publicJwks()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const jwksVerifier = await AccessTokenVerifier.fromConfig(
        loadConfig(AuthConfig, { JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` }),
      );
      const { token } = await signer.sign({ sub: 'user-2', role: 'user', tier: 5000, sid: 's' });
      await expect(jwksVerifier.verify(token)).resolves.toMatchObject({
        id: 'user-2',
        role: 'user',
        tier: 5000,
      });
      expect(
        await reasonOf(
          jwksVerifier,
          await craft({ key: pemPair().privatePem, header: { kid: 'unknown' } }),
        ),
      ).toBe('invalid_token: Access token signature is not valid');
      // The kid of a real key does not let another algorithm through.
      const hs256 = await craft({
        alg: 'HS256',
        key: new TextEncoder().encode(pair.publicPem),
        header: { kid: signer.publicJwks().keys[0].kid },
      });
      expect(await reasonOf(jwksVerifier, hs256)).toBe(
        'invalid_token: Access token algorithm not allowed',
      );
    } finally {
      server.close();
    }
  });

  it('fails as a server error, not a refusal, while the JWKS cannot be fetched', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve)); // nothing listens there now
    const jwksVerifier = await AccessTokenVerifier.fromConfig(
      loadConfig(AuthConfig, { JWT_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json` }),
    );
    const { token } = await signer.sign({ sub: 'user-2', role: 'user', tier: 5000, sid: 's' });
    await expect(jwksVerifier.verify(token)).rejects.toBeInstanceOf(JwksUnavailableError);
  });
});
