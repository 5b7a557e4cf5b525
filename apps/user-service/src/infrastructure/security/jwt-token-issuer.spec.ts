import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AccessTokenVerifier, TokenSigner, type AuthSettings } from '@ajla/auth';
import { loadConfig } from '@ajla/platform';
import { UserServiceConfig } from '../../config/user-service.config';
import type { SessionId } from '../../domain/session/session.aggregate';
import type { UserId } from '../../domain/user/user-id';
import { JwtTokenIssuer } from './jwt-token-issuer';

describe('JwtTokenIssuer', () => {
  let keysDir: string;
  let settings: AuthSettings;
  let issuer: JwtTokenIssuer;

  beforeAll(async () => {
    keysDir = mkdtempSync(path.join(tmpdir(), 'ajla-issuer-keys-'));
    settings = loadConfig(UserServiceConfig, { NODE_ENV: 'test', JWT_KEYS_DIR: keysDir });
    issuer = new JwtTokenIssuer(await TokenSigner.fromConfig(settings));
  });

  afterAll(() => rmSync(keysDir, { recursive: true, force: true }));

  it('issues access tokens that the shared verifier accepts, with role, tier and session', async () => {
    const userId = '0193aaaa-0000-7000-8000-000000000001' as UserId;
    const sessionId = '0193aaaa-0000-7000-8000-0000000000f1' as SessionId;
    const issued = await issuer.issueAccessToken({ userId, role: 'agent', tier: 25000, sessionId });

    expect(issued.expiresInSeconds).toBe(900);
    const verifier = await AccessTokenVerifier.fromConfig(settings);
    await expect(verifier.verify(issued.token)).resolves.toMatchObject({
      id: userId,
      role: 'agent',
      tier: 25000,
      sessionId,
    });
  });

  it('makes opaque refresh tokens of 256 random bits, and keeps only their SHA-256', () => {
    const tokens = Array.from({ length: 50 }, () => issuer.newRefreshToken());

    for (const { token, hash } of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(issuer.hashRefreshToken(token)).toBe(hash);
    }
    expect(new Set(tokens.map((t) => t.token)).size).toBe(50);
  });
});
