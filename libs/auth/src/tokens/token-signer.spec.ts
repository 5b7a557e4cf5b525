import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@ajla/platform';
import { AuthConfig } from '../auth.config';
import { TokenSigner } from './token-signer';

describe('TokenSigner', () => {
  let dir: string;
  let signer: TokenSigner;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ajla-signer-'));
    const now = new Date('2030-01-01T00:00:00Z');
    signer = await TokenSigner.fromConfig(
      loadConfig(AuthConfig, { JWT_KEYS_DIR: dir, JWT_ACCESS_TTL_SECONDS: '600' }),
      {
        now: () => now,
      },
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('signs ES256 at+jwt tokens with a kid and every access claim', async () => {
    const { token, expiresIn } = await signer.sign({
      sub: 'user-1',
      role: 'agent',
      tier: 25000,
      sid: 'session-1',
    });
    expect(expiresIn).toBe(600);
    const [{ kid }] = signer.publicJwks().keys;
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', typ: 'at+jwt', kid });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      iss: 'ajla-user-service',
      aud: 'ajla',
      sub: 'user-1',
      role: 'agent',
      tier: 25000,
      sid: 'session-1',
      token_use: 'access',
      iat: 1893456000,
      exp: 1893456600,
    });
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('publishes a JWKS that verifies its tokens and holds no private part', async () => {
    const jwks = signer.publicJwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const { token } = await signer.sign({ sub: 'user-1', role: 'user', tier: 5000, sid: 's' });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), {
      currentDate: new Date('2030-01-01T00:01:00Z'),
    });
    expect(payload.sub).toBe('user-1');
  });
});
