import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '@ajla/shared-kernel';
import {
  SESSION_REPOSITORY,
  type SessionRepository,
} from '../../domain/session/session.repository.port';
import { TOKEN_ISSUER, type TokenIssuer } from '../../domain/session/token-issuer.port';
import { CLOCK } from '../ports/clock.port';
import { REVOCATION_BROADCAST, type RevocationBroadcast } from '../ports/revocation-broadcast.port';
import { UNIT_OF_WORK, type UnitOfWork } from '../ports/unit-of-work.port';
import type { LogOutCommand } from './log-out.command';

/**
 * Ends the session the refresh token belongs to: its family can no longer refresh, and its access
 * tokens are refused everywhere within a second (the revocation broadcast). Idempotent and
 * silent: a token that is unknown, already revoked, or of another user's session changes nothing
 * and is not reported, so this endpoint tells nobody anything about tokens they do not own.
 */
@Injectable()
export class LogOutHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository,
    @Inject(TOKEN_ISSUER) private readonly tokens: TokenIssuer,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REVOCATION_BROADCAST) private readonly revocations: RevocationBroadcast,
  ) {}

  async execute(command: LogOutCommand): Promise<void> {
    const tokenHash = this.tokens.hashRefreshToken(command.refreshToken);
    const ended = await this.unitOfWork.run(async () => {
      const session = await this.sessions.findByTokenHashForUpdate(tokenHash);
      if (session === undefined || !session.belongsTo(command.userId)) return undefined;
      session.revoke('logout', this.clock.now());
      await this.sessions.save(session);
      return session;
    });
    // Also when it had ended before: a retry after a failed announcement announces it again.
    if (ended?.revokedAt) {
      await this.revocations.sessionEnded({
        sessionId: ended.id,
        userId: ended.userId,
        endedAt: ended.revokedAt,
      });
    }
  }
}
