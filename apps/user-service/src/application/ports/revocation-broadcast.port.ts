import type { SessionId } from '../../domain/session/session.aggregate';
import type { RoleName } from '../../domain/user/role.value-object';
import type { TierLevel } from '../../domain/user/tier.value-object';
import type { UserId } from '../../domain/user/user-id';

/**
 * Tells every verifier (gateway and services) that access tokens already handed out lost or
 * changed their rights, so that it takes effect within a second rather than when they expire.
 * Called after the change is committed and before the client is answered; it throws when the
 * announcement could not be made, and the request fails (retrying it announces again).
 */
export interface RevocationBroadcast {
  sessionEnded(session: { sessionId: SessionId; userId: UserId; endedAt: Date }): Promise<void>;
  accessChanged(change: {
    userId: UserId;
    role: RoleName;
    tier: TierLevel;
    changedAt: Date;
  }): Promise<void>;
}

export const REVOCATION_BROADCAST = Symbol('RevocationBroadcast');
