// Tokens and revocation entries of the auth unit tests, at a fixed instant.
import type { RevocationEntry } from '../src/revocations/revocation-entry';
import type { AuthenticatedUser } from '../src/tokens/access-token';

export const T0 = Date.UTC(2030, 0, 1, 12, 0, 0); // ms
export const KEEP = 930_000; // 15 min + 30 s

/** user-1's agent token of session-1, issued a minute before T0. */
export const token = (overrides: Partial<AuthenticatedUser> = {}): AuthenticatedUser => ({
  id: 'user-1',
  role: 'agent',
  tier: 25000,
  sessionId: 'session-1',
  issuedAt: T0 / 1000 - 60,
  ...overrides,
});

/** A session of user-1's ended at `at`. */
export const ended = (sessionId: string, at = T0): RevocationEntry => ({
  kind: 'session_revoked',
  sessionId,
  userId: 'user-1',
  at,
  until: at + KEEP,
});

/** A user's role changed at `at` (tier 5000). */
export const changed = (
  role: 'user' | 'agent' | 'admin',
  at = T0,
  userId = 'user-1',
): RevocationEntry => ({
  kind: 'access_changed',
  userId,
  role,
  tier: 5000,
  at,
  until: at + KEEP,
});
