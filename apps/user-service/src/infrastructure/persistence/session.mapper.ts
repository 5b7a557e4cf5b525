import { isId } from '@ajla/shared-kernel';
import { RefreshToken, type RefreshTokenId } from '../../domain/session/refresh-token.entity';
import {
  Session,
  type RevocationReason,
  type SessionId,
} from '../../domain/session/session.aggregate';
import type { UserId } from '../../domain/user/user-id';
import { RefreshTokenOrmEntity } from './refresh-token.orm-entity';
import { SessionFamilyOrmEntity } from './session-family.orm-entity';
import { CorruptRowError } from './user.mapper';

const REASONS: readonly RevocationReason[] = ['logout', 'reuse_detected'];

export const SessionMapper = {
  toDomain(family: SessionFamilyOrmEntity, tokens: RefreshTokenOrmEntity[]): Session {
    try {
      if (!isId(family.id) || !isId(family.userId)) throw new Error('id is not a UUID');
      const reason = family.revokedReason;
      if (reason !== null && !REASONS.includes(reason as RevocationReason)) {
        throw new Error(`unknown revoked_reason ${reason}`);
      }
      if ((family.revokedAt === null) !== (reason === null)) {
        throw new Error('revoked_at and revoked_reason must be set together');
      }
      return Session.restore(family.id as SessionId, {
        userId: family.userId as UserId,
        createdAt: family.createdAt,
        revokedAt: family.revokedAt,
        revokedReason: reason as RevocationReason | null,
        tokens: tokens.map((row) => {
          if (row.familyId !== family.id) throw new Error(`token ${row.id} is of another family`);
          return RefreshToken.restore(row.id as RefreshTokenId, {
            tokenHash: row.tokenHash,
            issuedAt: row.issuedAt,
            expiresAt: row.expiresAt,
            spentAt: row.spentAt,
            replacedById: row.replacedById as RefreshTokenId | null,
          });
        }),
      });
    } catch (error) {
      throw new CorruptRowError('session_families', family.id, error);
    }
  },

  familyToPersistence(session: Session): SessionFamilyOrmEntity {
    const row = new SessionFamilyOrmEntity();
    row.id = session.id;
    row.userId = session.userId;
    row.createdAt = session.createdAt;
    row.revokedAt = session.revokedAt;
    row.revokedReason = session.revokedReason;
    return row;
  },

  tokensToPersistence(session: Session): RefreshTokenOrmEntity[] {
    return session.tokens.map((token) => {
      const row = new RefreshTokenOrmEntity();
      row.id = token.id;
      row.familyId = session.id;
      row.tokenHash = token.tokenHash;
      row.issuedAt = token.issuedAt;
      row.expiresAt = token.expiresAt;
      row.spentAt = token.spentAt;
      row.replacedById = token.replacedById;
      return row;
    });
  },
};
