import { Inject, Injectable } from '@nestjs/common';
import { UnauthenticatedError, type Clock } from '@ajla/shared-kernel';
import {
  SESSION_REPOSITORY,
  type SessionRepository,
} from '../../domain/session/session.repository.port';
import { TOKEN_ISSUER, type TokenIssuer } from '../../domain/session/token-issuer.port';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import { CLOCK } from '../ports/clock.port';
import { REVOCATION_BROADCAST, type RevocationBroadcast } from '../ports/revocation-broadcast.port';
import type { TokenPair } from '../ports/token-pair';
import { UNIT_OF_WORK, type UnitOfWork } from '../ports/unit-of-work.port';
import type { RefreshSessionCommand } from './refresh-session.command';

/** Every refusal gets the same answer: the client can only log in again. */
const REFUSED = 'refresh token is invalid, expired or revoked';

/** Exchanges a refresh token for a new pair; the presented token is spent. */
@Injectable()
export class RefreshSessionHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository,
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(TOKEN_ISSUER) private readonly tokens: TokenIssuer,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REVOCATION_BROADCAST) private readonly revocations: RevocationBroadcast,
  ) {}

  async execute(command: RefreshSessionCommand): Promise<TokenPair> {
    const presentedHash = this.tokens.hashRefreshToken(command.refreshToken);
    const next = this.tokens.newRefreshToken();

    // The family is locked for the whole exchange, so that one token cannot be spent twice.
    // A detected reuse revokes the family, and that must be committed before the 401 is answered.
    const attempt = await this.unitOfWork.run(async () => {
      const session = await this.sessions.findByTokenHashForUpdate(presentedHash);
      if (session === undefined) return undefined;
      const outcome = session.rotate(presentedHash, next.hash, this.clock.now());
      await this.sessions.save(session);
      return { session, rotated: outcome.rotated };
    });
    if (attempt === undefined) {
      throw new UnauthenticatedError(REFUSED, 'invalid_refresh_token');
    }
    const { session: exchanged, rotated } = attempt;
    if (!rotated) {
      // A reuse just revoked the family (or had before: announcing again is harmless and makes a
      // retry after a failed announcement work): its access tokens must stop now, not in minutes.
      if (exchanged.revokedAt) {
        await this.revocations.sessionEnded({
          sessionId: exchanged.id,
          userId: exchanged.userId,
          endedAt: exchanged.revokedAt,
        });
      }
      throw new UnauthenticatedError(REFUSED, 'invalid_refresh_token');
    }

    // Role and tier as they are now: an admin's change reaches the client at its next refresh.
    const user = await this.users.findById(exchanged.userId);
    if (user === undefined) {
      throw new UnauthenticatedError(REFUSED, 'invalid_refresh_token');
    }
    const access = await this.tokens.issueAccessToken({
      userId: user.id,
      role: user.role.name,
      tier: user.tier.level,
      sessionId: exchanged.id,
    });
    return {
      accessToken: access.token,
      refreshToken: next.token,
      expiresInSeconds: access.expiresInSeconds,
    };
  }
}
