import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '@ajla/shared-kernel';
import {
  SESSION_REPOSITORY,
  type SessionRepository,
} from '../../domain/session/session.repository.port';
import { TOKEN_ISSUER, type TokenIssuer } from '../../domain/session/token-issuer.port';
import { CLOCK } from '../ports/clock.port';
import { UNIT_OF_WORK, type UnitOfWork } from '../ports/unit-of-work.port';
import type { LogOutCommand } from './log-out.command';

/**
 * Ends the session the refresh token belongs to: its family can no longer refresh. Idempotent and
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
  ) {}

  async execute(command: LogOutCommand): Promise<void> {
    const tokenHash = this.tokens.hashRefreshToken(command.refreshToken);
    await this.unitOfWork.run(async () => {
      const session = await this.sessions.findByTokenHashForUpdate(tokenHash);
      if (session === undefined || !session.belongsTo(command.userId)) return;
      session.revoke('logout', this.clock.now());
      await this.sessions.save(session);
    });
  }
}
