import { UnauthenticatedError } from '@ajla/shared-kernel';
import { AuthenticatedUser } from '../tokens/access-token';
import { AccessChanged, RevocationEntry } from './revocation-entry';

/**
 * Verification cannot tell whether a session was revoked: the feed of revocations has been
 * silent for longer than its grace. Answered 503 with `Retry-After`, never as a pass.
 */
export class RevocationFeedUnavailableError extends Error {
  readonly retryAfterSeconds = 1;
  constructor() {
    super('Sessions cannot be checked right now; try again shortly');
    this.name = 'RevocationFeedUnavailableError';
  }
}

/** The detail of the 401 a token of an ended session gets. */
export const SESSION_ENDED = 'Session has ended: sign in again';

export interface SessionRevocationsOptions {
  /** How long after the feed was last known to be complete verification goes on (ms). */
  graceMs: number;
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
}

/**
 * What a token issued at `issuedAt` (seconds) is subject to: a change at `at` (ms) covers every
 * token issued up to the second after it. `iat` has whole seconds, and a token signed in that
 * second may have read the user before the change was committed; overriding a newer token with
 * the newest entry's role and tier is harmless, as they are the user's current ones.
 */
function coversToken(change: AccessChanged, issuedAt: number): boolean {
  return issuedAt <= Math.ceil(change.at / 1000);
}

/** Whether `entry` takes the rights of a token (or of a connection opened with it) away or changes them. */
export function revocationAffects(entry: RevocationEntry, token: AuthenticatedUser): boolean {
  if (entry.kind === 'session_revoked') return entry.sessionId === token.sessionId;
  return entry.userId === token.id && coversToken(entry, token.issuedAt);
}

/**
 * The session revocation list, in memory: ended sessions and users whose access changed, each
 * kept until no token it applies to can still be valid. It is fed from outside (Redis, see
 * `RedisRevocationFeed`), which also tells it up to when it is known to be complete; once that
 * is longer ago than the grace, every check fails closed with `RevocationFeedUnavailableError`.
 * Checks are map lookups: no round trip per request.
 */
export class SessionRevocations {
  private readonly endedSessions = new Map<string, RevocationEntry & { kind: 'session_revoked' }>();
  private readonly accessChanges = new Map<string, AccessChanged>();
  private readonly listeners = new Set<(entry: RevocationEntry) => void>();
  /** Every entry published before this instant (ms) has been applied. */
  private completeAsOf = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;

  constructor(private readonly options: SessionRevocationsOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Applies an entry; listeners hear of it when it is news (an ended session not known yet, or an
   * access change newer than the one known). Expired entries are ignored.
   */
  add(entry: RevocationEntry): boolean {
    if (entry.until <= this.now()) return false;
    if (entry.kind === 'session_revoked') {
      if (this.endedSessions.has(entry.sessionId)) return false;
      this.endedSessions.set(entry.sessionId, entry);
    } else {
      const known = this.accessChanges.get(entry.userId);
      if (known !== undefined && known.at >= entry.at) return false;
      this.accessChanges.set(entry.userId, entry);
    }
    for (const listener of this.listeners) listener(entry);
    return true;
  }

  /** The feed vouches that every entry published before `asOf` (ms) has been added. */
  confirmComplete(asOf: number): void {
    if (asOf > this.completeAsOf) this.completeAsOf = asOf;
  }

  /** Whether checks pass through (the feed was complete within the grace). */
  get isCurrent(): boolean {
    return this.now() - this.completeAsOf <= this.options.graceMs;
  }

  /** Milliseconds since the feed was last known complete (Infinity before it ever was). */
  get staleForMs(): number {
    return this.now() - this.completeAsOf;
  }

  /**
   * The caller as the list sees them: refused (401 `session_revoked`) if the session ended, with the
   * newest role and tier if their access changed since the token was issued, else as the token says.
   * Throws `RevocationFeedUnavailableError` while the list cannot vouch for itself.
   */
  admit(token: AuthenticatedUser): AuthenticatedUser {
    if (!this.isCurrent) throw new RevocationFeedUnavailableError();
    const now = this.now();
    const ended = this.endedSessions.get(token.sessionId);
    if (ended !== undefined && ended.until > now) {
      throw new UnauthenticatedError(SESSION_ENDED, 'session_revoked');
    }
    const change = this.accessChanges.get(token.id);
    if (change !== undefined && change.until > now && coversToken(change, token.issuedAt)) {
      return { ...token, role: change.role, tier: change.tier };
    }
    return token;
  }

  /** Calls `listener` with every new entry (e.g. to close the WebSockets it affects); returns the unsubscribe. */
  onEntry(listener: (entry: RevocationEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets the entries no valid token can be subject to any more. */
  prune(): void {
    const now = this.now();
    for (const [id, entry] of this.endedSessions)
      if (entry.until <= now) this.endedSessions.delete(id);
    for (const [id, entry] of this.accessChanges)
      if (entry.until <= now) this.accessChanges.delete(id);
  }

  /** Entries held (for tests and metrics). */
  get size(): number {
    return this.endedSessions.size + this.accessChanges.size;
  }
}
