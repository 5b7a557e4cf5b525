import { Role, isRole } from '../tokens/access-token';

/** A session (refresh-token family) that has ended: every access token carrying its `sid` is refused. */
export interface SessionRevoked {
  readonly kind: 'session_revoked';
  readonly sessionId: string;
  readonly userId: string;
  /** When it ended (ms since the epoch). */
  readonly at: number;
  /** When the entry can be forgotten: no token issued before `at` is still valid then (ms). */
  readonly until: number;
}

/**
 * A user's role or tier changed at `at`: their access tokens issued up to then are taken with
 * this role and tier, so the new rights apply at once without signing anybody out.
 */
export interface AccessChanged {
  readonly kind: 'access_changed';
  readonly userId: string;
  readonly role: Role;
  readonly tier: number;
  readonly at: number;
  readonly until: number;
}

export type RevocationEntry = SessionRevoked | AccessChanged;

/** The wire form, both as the sorted set's member and as the pub/sub message. */
export function encodeRevocationEntry(entry: RevocationEntry): string {
  return entry.kind === 'session_revoked'
    ? JSON.stringify({
        kind: entry.kind,
        sid: entry.sessionId,
        sub: entry.userId,
        at: entry.at,
        until: entry.until,
      })
    : JSON.stringify({
        kind: entry.kind,
        sub: entry.userId,
        role: entry.role,
        tier: entry.tier,
        at: entry.at,
        until: entry.until,
      });
}

/** The entry of a wire form, or undefined for anything malformed (never trusted blindly). */
export function parseRevocationEntry(text: string): RevocationEntry | undefined {
  let value: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    value = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const { kind, sid, sub, role, tier, at, until } = value;
  if (typeof sub !== 'string' || sub === '' || !isTime(at) || !isTime(until)) return undefined;
  if (kind === 'session_revoked' && typeof sid === 'string' && sid !== '') {
    return { kind, sessionId: sid, userId: sub, at, until };
  }
  if (kind === 'access_changed' && isRole(role) && Number.isInteger(tier)) {
    return { kind, userId: sub, role, tier: tier as number, at, until };
  }
  return undefined;
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}
