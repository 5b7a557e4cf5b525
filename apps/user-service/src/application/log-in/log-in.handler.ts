import { Inject, Injectable } from '@nestjs/common';
import { Email, RateLimitedError, UnauthenticatedError, type Clock } from '@ajla/shared-kernel';
import { LOGIN_THROTTLE, type LoginThrottle } from '../../domain/login/login-throttle.port';
import { Session } from '../../domain/session/session.aggregate';
import {
  SESSION_REPOSITORY,
  type SessionRepository,
} from '../../domain/session/session.repository.port';
import { TOKEN_ISSUER, type TokenIssuer } from '../../domain/session/token-issuer.port';
import { PASSWORD_HASHER, type PasswordHasher } from '../../domain/user/password-hasher.port';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import { CLOCK } from '../ports/clock.port';
import { SESSION_POLICY, type SessionPolicy } from '../ports/session-policy.port';
import type { TokenPair } from '../ports/token-pair';
import type { LogInCommand } from './log-in.command';

/** One message for an unknown e-mail and a wrong password, so that neither tells the other apart. */
export const INVALID_CREDENTIALS = 'invalid e-mail or password';

/** E-mail and password in, a new session (token family) and its first token pair out. */
@Injectable()
export class LogInHandler {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(SESSION_REPOSITORY) private readonly sessions: SessionRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(TOKEN_ISSUER) private readonly tokens: TokenIssuer,
    @Inject(LOGIN_THROTTLE) private readonly throttle: LoginThrottle,
    @Inject(SESSION_POLICY) private readonly policy: SessionPolicy,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: LogInCommand): Promise<TokenPair> {
    const email = Email.create(command.email);
    const admission = await this.throttle.admit({
      account: email.value,
      address: command.clientAddress,
    });
    if (!admission.admitted) {
      throw new RateLimitedError(
        'too many failed login attempts; try again later',
        admission.retryAfterSeconds,
        'login_throttled',
      );
    }

    const user = await this.users.findByEmail(email);
    // Verifies against a decoy hash when there is no such user: the same work, the same time.
    const valid = await this.hasher.verify(user?.passwordHash ?? null, command.password);
    if (user === undefined || !valid) {
      await admission.attempt.failed();
      throw new UnauthenticatedError(INVALID_CREDENTIALS, 'invalid_credentials');
    }
    await admission.attempt.succeeded();

    if (this.hasher.needsRehash(user.passwordHash)) {
      user.rehashPassword(await this.hasher.hash(command.password));
      await this.users.update(user);
    }

    const refresh = this.tokens.newRefreshToken();
    const session = Session.start(
      user.id,
      refresh.hash,
      this.clock.now(),
      this.policy.sessionLifetimeSeconds,
    );
    await this.sessions.save(session);
    const access = await this.tokens.issueAccessToken({
      userId: user.id,
      role: user.role.name,
      tier: user.tier.level,
      sessionId: session.id,
    });
    return {
      accessToken: access.token,
      refreshToken: refresh.token,
      expiresInSeconds: access.expiresInSeconds,
    };
  }
}
