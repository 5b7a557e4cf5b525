import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuthConfig, SessionRevocationPublisher, TokenSigner, type Role } from '@ajla/auth';
import { createRedisClient, loadConfig } from '@ajla/platform';
import { newId } from '@ajla/shared-kernel';
import { TEST_REDIS_URL } from './service-app';

/** A caller of a service under test: an account id, its role and an access token of a session. */
export interface TestAccount {
  id: string;
  role: Role;
  token: string;
  /** The session (`sid`) the token belongs to. */
  sessionId: string;
}

/**
 * The signing keys of one test run, in a folder of its own (give it to the service as
 * `JWT_KEYS_DIR`), and access tokens signed with them the way user-service signs them.
 */
export class TestTokens {
  private constructor(
    readonly keysDir: string,
    private readonly signer: TokenSigner,
  ) {}

  static async create(label: string): Promise<TestTokens> {
    const keysDir = mkdtempSync(path.join(tmpdir(), `ajla-${label}-keys-`));
    const signer = await TokenSigner.fromConfig(loadConfig(AuthConfig, { JWT_KEYS_DIR: keysDir }));
    return new TestTokens(keysDir, signer);
  }

  async account(role: Role, id: string = newId()): Promise<TestAccount> {
    const sessionId = randomUUID();
    const { token } = await this.signer.sign({ sub: id, role, tier: 5000, sid: sessionId });
    return { id, role, token, sessionId };
  }

  dispose(): void {
    rmSync(this.keysDir, { recursive: true, force: true });
  }
}

/** Announces revocations the way user-service does, on a run's Redis prefix. */
export function testRevocations(redisPrefix: string): {
  publisher: SessionRevocationPublisher;
  close(): Promise<void>;
} {
  const redis = createRedisClient({ REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: redisPrefix });
  const publisher = new SessionRevocationPublisher(redis, {
    keyPrefix: redisPrefix,
    accessTokenTtlSeconds: 900,
  });
  return { publisher, close: async () => void (await redis.quit()) };
}
