import { DomainError } from '@ajla/shared-kernel';
import { EdgeAuthOutcome, EdgeAuthenticator } from './edge-auth';

/** The one thing the edge needs from `@ajla/auth`'s `AccessTokenVerifier`. */
export interface TokenVerifier {
  verify(token: string): Promise<{ readonly id: string }>;
}

export interface VerificationFailureLog {
  error(message: unknown, ...rest: unknown[]): void;
}

/**
 * Edge authentication with the platform's access-token verifier: a refused token is a 401 with
 * the verifier's reason; a verifier that cannot decide (e.g. the JWKS cannot be fetched) is a 503,
 * never a pass.
 */
export class VerifyingEdgeAuthenticator implements EdgeAuthenticator {
  constructor(
    private readonly verifier: TokenVerifier,
    private readonly log: VerificationFailureLog,
  ) {}

  async verify(token: string | undefined): Promise<EdgeAuthOutcome> {
    if (!token)
      return { ok: false, status: 401, detail: 'Missing access token', code: 'missing_token' };
    try {
      const user = await this.verifier.verify(token);
      return { ok: true, userId: user.id };
    } catch (error) {
      if (error instanceof DomainError && error.code === 'unauthenticated') {
        return { ok: false, status: 401, detail: error.message, code: error.reason ?? error.code };
      }
      this.log.error({ err: error }, 'access token verification failed unexpectedly');
      return {
        ok: false,
        status: 503,
        detail: 'Access tokens cannot be verified right now',
        code: 'unavailable',
      };
    }
  }
}
