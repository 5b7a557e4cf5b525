import { JWTPayload, errors, jwtVerify } from 'jose';
import { UnauthenticatedError } from '@ajla/shared-kernel';
import { AuthSettings } from '../auth.config';
import { ACCESS_TOKEN_ALG, VerificationKey, resolveVerificationKey } from '../keys/key-resolution';
import { SessionRevocations } from '../revocations/session-revocations';
import { ACCESS_TOKEN_TYP, ACCESS_TOKEN_USE, AuthenticatedUser, isRole } from './access-token';

export interface AccessTokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Allowed clock skew between services, in seconds. */
  clockToleranceSeconds?: number;
  /**
   * The session revocation list: refuses tokens of ended sessions and applies role and tier
   * changes (see `SessionRevocations`). Every service and the gateway have one.
   */
  revocations?: Pick<SessionRevocations, 'admit'>;
}

/**
 * Checks an access token with the public key only: ES256 and nothing else, `typ: at+jwt`,
 * `token_use: access`, issuer, audience, expiry (30 s clock tolerance), and a valid `sub`,
 * `role`, `tier` and session id (`sid`), then asks the revocation list whether the session is
 * still on and which role and tier hold now. Throws `UnauthenticatedError` saying why, or
 * `RevocationFeedUnavailableError` while revocations cannot be known.
 */
export class AccessTokenVerifier {
  constructor(
    private readonly key: VerificationKey,
    private readonly options: AccessTokenVerifierOptions,
  ) {}

  static async fromConfig(
    config: AuthSettings,
    revocations?: AccessTokenVerifierOptions['revocations'],
  ): Promise<AccessTokenVerifier> {
    return new AccessTokenVerifier(await resolveVerificationKey(config), {
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      revocations,
    });
  }

  async verify(token: string): Promise<AuthenticatedUser> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [ACCESS_TOKEN_ALG],
        typ: ACCESS_TOKEN_TYP,
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'exp', 'iat'],
      }));
    } catch (error) {
      throw unauthenticated(error);
    }
    if (payload.token_use !== ACCESS_TOKEN_USE) {
      throw new UnauthenticatedError('Not an access token', 'wrong_token_type');
    }
    const { sub, role, tier, sid, iat } = payload;
    if (!sub || !isRole(role) || typeof tier !== 'number' || !Number.isInteger(tier)) {
      throw new UnauthenticatedError(
        'Access token lacks a valid subject, role or tier',
        'invalid_token',
      );
    }
    // Without a session id a token could not be revoked: tokens from before `sid` are refused.
    if (typeof sid !== 'string' || sid === '') {
      throw new UnauthenticatedError('Access token lacks a session id', 'invalid_token');
    }
    const user: AuthenticatedUser = { id: sub, role, tier, sessionId: sid, issuedAt: iat! };
    return this.options.revocations ? this.options.revocations.admit(user) : user;
  }
}

function unauthenticated(error: unknown): Error {
  if (error instanceof errors.JWTExpired)
    return new UnauthenticatedError('Access token expired', 'token_expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'typ')
      return new UnauthenticatedError('Not an access token', 'wrong_token_type');
    const what = error.reason === 'missing' ? 'missing' : 'not accepted';
    return new UnauthenticatedError(`Access token claim "${error.claim}" ${what}`, 'invalid_token');
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new UnauthenticatedError('Access token algorithm not allowed', 'invalid_token');
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed ||
    error instanceof errors.JWKSNoMatchingKey
  ) {
    return new UnauthenticatedError('Access token signature is not valid', 'invalid_token');
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return new UnauthenticatedError('Malformed access token', 'invalid_token');
  }
  // A JWKS that cannot be fetched is our failure, not the caller's: it must not read as "log in again".
  return error instanceof Error ? error : new Error(String(error));
}
