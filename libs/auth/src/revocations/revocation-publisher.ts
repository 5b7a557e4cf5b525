import type { Redis } from 'ioredis';
import { Role } from '../tokens/access-token';
import { REVOCATIONS_KEY, revocationsChannel } from './redis-revocation-feed';
import { RevocationEntry, encodeRevocationEntry } from './revocation-entry';

export interface SessionRevocationPublisherOptions {
  /** The `REDIS_KEY_PREFIX` the client prefixes keys with (channels are prefixed here). */
  keyPrefix: string;
  /** The longest lifetime of an access token (`JWT_ACCESS_TTL_SECONDS`). */
  accessTokenTtlSeconds: number;
  /** The verifiers' clock tolerance (seconds): a token is taken that long after its `exp`. */
  clockToleranceSeconds?: number;
}

/**
 * Announces revocations (user-service): each entry is added to the sorted set and published on
 * the channel in one MULTI, so a verifier that loads the set after subscribing misses nothing.
 * Expired entries are dropped from the set at the same time. Rejects when Redis does not take
 * it: a caller must not answer success before the revocation is out.
 */
export class SessionRevocationPublisher {
  private readonly channel: string;
  private readonly keepMs: number;

  constructor(
    /** A client whose `keyPrefix` is `options.keyPrefix`. */
    private readonly redis: Redis,
    options: SessionRevocationPublisherOptions,
  ) {
    this.channel = revocationsChannel(options.keyPrefix);
    this.keepMs = (options.accessTokenTtlSeconds + (options.clockToleranceSeconds ?? 30)) * 1000;
  }

  /** The session ended at `at` (logout, or a reused refresh token revoked its family). */
  sessionRevoked(session: { sessionId: string; userId: string; at: Date }): Promise<void> {
    const at = session.at.getTime();
    return this.publish({
      kind: 'session_revoked',
      sessionId: session.sessionId,
      userId: session.userId,
      at,
      until: at + this.keepMs,
    });
  }

  /** The user has had this role and tier since `at`. */
  accessChanged(change: { userId: string; role: Role; tier: number; at: Date }): Promise<void> {
    const at = change.at.getTime();
    return this.publish({
      kind: 'access_changed',
      userId: change.userId,
      role: change.role,
      tier: change.tier,
      at,
      until: at + this.keepMs,
    });
  }

  private async publish(entry: RevocationEntry): Promise<void> {
    const member = encodeRevocationEntry(entry);
    const results = await this.redis
      .multi()
      .zadd(REVOCATIONS_KEY, entry.until, member)
      .zremrangebyscore(REVOCATIONS_KEY, '-inf', Date.now())
      .publish(this.channel, member)
      .exec();
    const failed = results?.find(([error]) => error !== null)?.[0];
    if (results === null || failed) {
      throw failed ?? new Error('the session revocation transaction was aborted');
    }
  }
}
