import { AggregateRoot, newId, type Id } from '@ajla/shared-kernel';
import type { UserId } from '../user/user-id';
import { RefreshToken } from './refresh-token.entity';

export type SessionId = Id<'SessionId'>;

export type RevocationReason = 'logout' | 'reuse_detected';

export interface SessionProps {
  userId: UserId;
  createdAt: Date;
  revokedAt: Date | null;
  revokedReason: RevocationReason | null;
  /**
   * The tokens of the family this aggregate knows about: the one it was loaded by, plus any issued
   * since. A family may have thousands of spent tokens; none of the rules needs the others.
   */
  tokens: RefreshToken[];
}

/** Why a refresh token was not exchanged. Every one of them means "log in again". */
export type RefusedRotation =
  'unknown_token' | 'session_revoked' | 'token_reused' | 'token_expired';

export type RotationOutcome =
  { rotated: true; token: RefreshToken } | { rotated: false; reason: RefusedRotation };

/**
 * A login session: the family of refresh tokens that descend, one rotation at a time, from one
 * login. It lives for a fixed time from the login (rotating does not extend it: a stolen session
 * cannot be kept alive for ever). Only the newest token of a live family can be exchanged. A token that was already spent
 * being presented again means that two parties hold tokens of this family (one of them stole it),
 * and nobody can tell which is the rightful one: the whole family is revoked.
 */
export class Session extends AggregateRoot<SessionId, SessionProps> {
  private constructor(id: SessionId, props: SessionProps) {
    super(id, props);
  }

  /** A new family with its first token (hash of a fresh secret), valid for `lifetimeSeconds`. */
  static start(userId: UserId, tokenHash: string, now: Date, lifetimeSeconds: number): Session {
    const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000);
    return new Session(newId<'SessionId'>(), {
      userId,
      createdAt: now,
      revokedAt: null,
      revokedReason: null,
      tokens: [RefreshToken.issue(tokenHash, now, expiresAt)],
    });
  }

  static restore(id: SessionId, props: SessionProps): Session {
    return new Session(id, { ...props, tokens: [...props.tokens] });
  }

  get userId(): UserId {
    return this.props.userId;
  }
  get createdAt(): Date {
    return this.props.createdAt;
  }
  get revokedAt(): Date | null {
    return this.props.revokedAt;
  }
  get revokedReason(): RevocationReason | null {
    return this.props.revokedReason;
  }
  get isRevoked(): boolean {
    return this.props.revokedAt !== null;
  }
  get tokens(): readonly RefreshToken[] {
    return this.props.tokens;
  }
  /** The token issued last among those this aggregate holds. */
  get newestToken(): RefreshToken {
    const newest = this.props.tokens.at(-1);
    if (newest === undefined) throw new Error(`session ${this.id} holds no token`);
    return newest;
  }

  belongsTo(userId: UserId): boolean {
    return this.props.userId === userId;
  }

  /**
   * Exchanges the presented token (by hash) for a new one whose hash is `nextTokenHash`. The
   * presented token is spent by this, even if the caller never receives the successor.
   */
  rotate(presentedHash: string, nextTokenHash: string, now: Date): RotationOutcome {
    const presented = this.props.tokens.find((token) => token.tokenHash === presentedHash);
    if (presented === undefined) return { rotated: false, reason: 'unknown_token' };
    if (this.isRevoked) return { rotated: false, reason: 'session_revoked' };
    if (presented.isSpent) {
      this.revoke('reuse_detected', now);
      return { rotated: false, reason: 'token_reused' };
    }
    if (presented.isExpiredAt(now)) return { rotated: false, reason: 'token_expired' };

    const successor = RefreshToken.issue(nextTokenHash, now, presented.expiresAt);
    presented.spend(successor.id, now);
    this.props.tokens.push(successor);
    return { rotated: true, token: successor };
  }

  /** No token of this family can be exchanged any more. Revoking twice keeps the first reason. */
  revoke(reason: RevocationReason, now: Date): void {
    if (this.isRevoked) return;
    this.props.revokedAt = now;
    this.props.revokedReason = reason;
  }
}
