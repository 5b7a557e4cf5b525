import { Entity, newId, type Id } from '@ajla/shared-kernel';

export type RefreshTokenId = Id<'RefreshTokenId'>;

export interface RefreshTokenProps {
  /** SHA-256 of the opaque token; the token itself is only ever known to its holder. */
  tokenHash: string;
  issuedAt: Date;
  expiresAt: Date;
  /** When it was exchanged for its successor; a spent token must never be accepted again. */
  spentAt: Date | null;
  replacedById: RefreshTokenId | null;
}

/** One refresh token of a session family. Lives inside the Session aggregate. */
export class RefreshToken extends Entity<RefreshTokenId, RefreshTokenProps> {
  private constructor(id: RefreshTokenId, props: RefreshTokenProps) {
    super(id, props);
  }

  static issue(tokenHash: string, now: Date, expiresAt: Date): RefreshToken {
    return new RefreshToken(newId<'RefreshTokenId'>(), {
      tokenHash,
      issuedAt: now,
      expiresAt,
      spentAt: null,
      replacedById: null,
    });
  }

  static restore(id: RefreshTokenId, props: RefreshTokenProps): RefreshToken {
    return new RefreshToken(id, { ...props });
  }

  get tokenHash(): string {
    return this.props.tokenHash;
  }
  get issuedAt(): Date {
    return this.props.issuedAt;
  }
  get expiresAt(): Date {
    return this.props.expiresAt;
  }
  get spentAt(): Date | null {
    return this.props.spentAt;
  }
  get replacedById(): RefreshTokenId | null {
    return this.props.replacedById;
  }
  get isSpent(): boolean {
    return this.props.spentAt !== null;
  }

  isExpiredAt(now: Date): boolean {
    return now.getTime() >= this.props.expiresAt.getTime();
  }

  /** Only the Session calls this, when it rotates. */
  spend(successor: RefreshTokenId, now: Date): void {
    this.props.spentAt = now;
    this.props.replacedById = successor;
  }
}
