import { KeyObject } from 'node:crypto';
import { JsonWebTokenError, JwtService, NotBeforeError, TokenExpiredError } from '@nestjs/jwt';
import { UnauthenticatedError } from '@ajla/shared-kernel';
import { AuthSettings } from '../auth.config';
import {
  ACCESS_TOKEN_ALG,
  JwksUnavailableError,
  VerificationKey,
  resolveVerificationKey,
} from '../keys/key-resolution';
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

/** What `JwtService.verifyAsync` resolves to with `complete: true`. */
interface VerifiedToken {
  header: { typ?: unknown };
  payload: unknown;
}

const SIGNATURE_NOT_VALID = 'Access token signature is not valid';
/** The longest a checked token is taken from memory (see `remember`). */
export const CHECKED_TOKEN_TTL_MS = 60_000;
/** Checked tokens kept in memory at most (a few MB). */
export const CHECKED_TOKENS = 10_000;
const MALFORMED = 'Malformed access token';

/**
 * Checks an access token with the public key only: ES256 and nothing else, `typ: at+jwt`,
 * `token_use: access`, issuer, audience, expiry and not-before (30 s clock tolerance), and a valid
 * `sub`, `iat`, `role`, `tier` and session id (`sid`), then asks the revocation list whether the
 * session is still on and which role and tier hold now. Throws `UnauthenticatedError` saying why,
 * or `RevocationFeedUnavailableError` while revocations cannot be known.
 *
 * The signature, algorithm, `iss`, `aud`, `exp` and `nbf` are @nestjs/jwt's `JwtService`'s to
 * check (jsonwebtoken underneath); it checks neither `typ` nor that `exp` and `iat` are there, so
 * those are checked here with the private claims.
 */
export class AccessTokenVerifier {
  private readonly jwt: JwtService;
  private readonly revocations: AccessTokenVerifierOptions['revocations'];
  /** Tokens that passed the checks, by their text, and until when that holds (`remember`). */
  private readonly checked = new Map<string, { user: AuthenticatedUser; until: number }>();

  constructor(key: VerificationKey, options: AccessTokenVerifierOptions) {
    this.jwt = new JwtService({
      secretOrKeyProvider: (_request, token) => keyFor(key, token as string),
      verifyOptions: {
        algorithms: [ACCESS_TOKEN_ALG],
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockToleranceSeconds ?? 30,
        complete: true, // the header too: `typ` is checked below
      },
    });
    this.revocations = options.revocations;
  }

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

  /**
   * Checks `token` (signature and claims, from memory when it passed a moment ago), then asks the
   * revocation list, every time.
   */
  async verify(token: string): Promise<AuthenticatedUser> {
    const now = Date.now();
    const known = this.checked.get(token);
    let user: AuthenticatedUser;
    if (known !== undefined && known.until > now) {
      user = { ...known.user };
    } else {
      if (known !== undefined) this.checked.delete(token);
      const checked = await this.check(token);
      user = checked.user;
      this.remember(token, checked.user, checked.expiresAt, now);
    }
    return this.revocations ? this.revocations.admit(user) : user;
  }

  /**
   * A token passes the same checks every time until it expires: a client sends the same one with
   * every call for minutes, and checking its ES256 signature is most of what authenticating a call
   * costs. So a token that passed is kept, by its exact text, until its `exp` and at most
   * `CHECKED_TOKEN_TTL_MS` (a key withdrawn from the JWKS stops its tokens within that time), at
   * most `CHECKED_TOKENS` of them (the oldest go first). The revocation list is asked every time.
   */
  private remember(token: string, user: AuthenticatedUser, expiresAt: number, now: number): void {
    const until = Math.min(expiresAt * 1000, now + CHECKED_TOKEN_TTL_MS);
    if (until <= now) return;
    if (this.checked.size >= CHECKED_TOKENS) {
      const oldest = this.checked.keys().next().value;
      if (oldest !== undefined) this.checked.delete(oldest);
    }
    this.checked.set(token, { user: { ...user }, until });
  }

  /** The checks themselves: who the token says the caller is, and its `exp` (seconds). */
  private async check(token: string): Promise<{ user: AuthenticatedUser; expiresAt: number }> {
    let verified: VerifiedToken;
    try {
      verified = await this.jwt.verifyAsync<VerifiedToken>(token);
    } catch (error) {
      throw refusal(error);
    }
    const { header } = verified;
    // jsonwebtoken hands back a payload that is not a JSON object as a string (its audience check
    // refuses such a token before: this is for the type).
    if (typeof verified.payload !== 'object' || verified.payload === null) {
      throw new UnauthenticatedError(MALFORMED, 'invalid_token');
    }
    const payload = verified.payload as Record<string, unknown>;
    if (!isAccessTokenTyp(header.typ) || payload.token_use !== ACCESS_TOKEN_USE) {
      throw new UnauthenticatedError('Not an access token', 'wrong_token_type');
    }
    for (const claim of ['exp', 'iat'] as const) {
      if (payload[claim] === undefined) {
        throw new UnauthenticatedError(`Access token claim "${claim}" missing`, 'invalid_token');
      }
      if (typeof payload[claim] !== 'number') {
        throw new UnauthenticatedError(
          `Access token claim "${claim}" not accepted`,
          'invalid_token',
        );
      }
    }
    const { sub, role, tier, sid, iat, exp } = payload;
    if (
      typeof sub !== 'string' ||
      sub === '' ||
      !isRole(role) ||
      typeof tier !== 'number' ||
      !Number.isInteger(tier)
    ) {
      throw new UnauthenticatedError(
        'Access token lacks a valid subject, role or tier',
        'invalid_token',
      );
    }
    // Without a session id a token could not be revoked: tokens from before `sid` are refused.
    if (typeof sid !== 'string' || sid === '') {
      throw new UnauthenticatedError('Access token lacks a session id', 'invalid_token');
    }
    return {
      user: { id: sub, role, tier, sessionId: sid, issuedAt: iat as number },
      expiresAt: exp as number,
    };
  }
}

/** The key that must have signed `token`: the configured one, or the JWKS entry of its `kid`. */
async function keyFor(key: VerificationKey, token: string): Promise<KeyObject> {
  if (key instanceof KeyObject) return key;
  const found = await key(kidOf(token));
  // Whatever it claims, no key we know signed it: not worth a finer answer.
  if (!found) throw new UnauthenticatedError(SIGNATURE_NOT_VALID, 'invalid_token');
  return found;
}

/** The header's `kid`, read before the signature is checked (to choose the key), if there is one. */
function kidOf(token: string): string | undefined {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.', 1)[0], 'base64url').toString());
    const kid = (header as { kid?: unknown } | null)?.kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined; // the signature check will call it malformed
  }
}

/** RFC 9068 `typ`, compared as media types are: `at+jwt` or `application/at+jwt`, any case. */
function isAccessTokenTyp(typ: unknown): boolean {
  if (typeof typ !== 'string') return false;
  return typ.toLowerCase().replace(/^application\//, '') === ACCESS_TOKEN_TYP;
}

/**
 * jsonwebtoken's refusals, in the words of the API. It tells them apart only by message, which its
 * README documents; whatever else it throws came from parsing a token it could not read.
 */
const REFUSALS: [prefix: string, detail: string][] = [
  ['invalid algorithm', 'Access token algorithm not allowed'],
  ['invalid signature', SIGNATURE_NOT_VALID],
  ['jwt signature is required', SIGNATURE_NOT_VALID], // `alg: none` and an empty signature
  ['jwt issuer invalid', 'Access token claim "iss" not accepted'],
  ['jwt audience invalid', 'Access token claim "aud" not accepted'],
  ['invalid exp value', 'Access token claim "exp" not accepted'],
  ['invalid nbf value', 'Access token claim "nbf" not accepted'],
];

function refusal(error: unknown): Error {
  // Refused while choosing the key (unknown kid), or our own failure (JWKS out of reach: a 500,
  // since it must not read as "log in again").
  if (error instanceof UnauthenticatedError || error instanceof JwksUnavailableError) return error;
  // Both subclasses of JsonWebTokenError: they come first.
  if (error instanceof TokenExpiredError) {
    return new UnauthenticatedError('Access token expired', 'token_expired');
  }
  if (error instanceof NotBeforeError) {
    return new UnauthenticatedError('Access token claim "nbf" not accepted', 'invalid_token');
  }
  if (error instanceof JsonWebTokenError) {
    const known = REFUSALS.find(([prefix]) => error.message.startsWith(prefix));
    if (known) return new UnauthenticatedError(known[1], 'invalid_token');
  }
  // jsonwebtoken's "jwt malformed", a header or payload that is not JSON, an ECDSA signature that
  // is not 64 bytes (jws throws on a DER one): the token cannot be read.
  return new UnauthenticatedError(MALFORMED, 'invalid_token');
}
