import { randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import type { JWK } from 'jose';
import { Clock, systemClock } from '@ajla/shared-kernel';
import { AuthSettings } from '../auth.config';
import { ACCESS_TOKEN_ALG, SigningKey, resolveSigningKey } from '../keys/key-resolution';
import { ACCESS_TOKEN_TYP, ACCESS_TOKEN_USE, Role } from './access-token';

export interface TokenSignerOptions {
  issuer: string;
  audience: string;
  ttlSeconds: number;
  clock?: Clock;
}

export interface AccessTokenSubject {
  sub: string;
  role: Role;
  tier: number;
  /** The session (refresh-token family) the token belongs to: revoking it revokes the token. */
  sid: string;
}

export interface SignedAccessToken {
  token: string;
  /** Seconds until it expires (the `expires_in` of the token answer). */
  expiresIn: number;
}

/**
 * Signs access tokens (user-service only) with @nestjs/jwt's `JwtService`. Header and claims are
 * defined here, next to the verifier, so the two cannot drift apart.
 */
export class TokenSigner {
  private readonly jwt: JwtService;

  constructor(
    private readonly key: SigningKey,
    private readonly options: TokenSignerOptions,
  ) {
    this.jwt = new JwtService({
      privateKey: key.privateKey,
      signOptions: {
        algorithm: ACCESS_TOKEN_ALG,
        header: { alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP, kid: key.kid },
        issuer: options.issuer,
        audience: options.audience,
      },
    });
  }

  static async fromConfig(config: AuthSettings, clock?: Clock): Promise<TokenSigner> {
    return new TokenSigner(await resolveSigningKey(config), {
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ttlSeconds: config.JWT_ACCESS_TTL_SECONDS,
      clock,
    });
  }

  async sign({ sub, role, tier, sid }: AccessTokenSubject): Promise<SignedAccessToken> {
    const now = Math.floor((this.options.clock ?? systemClock).now().getTime() / 1000);
    // `iat` and `exp` from our clock, not jsonwebtoken's (it reads Date.now()).
    const token = await this.jwt.signAsync({
      sub,
      role,
      tier,
      sid,
      token_use: ACCESS_TOKEN_USE,
      iat: now,
      exp: now + this.options.ttlSeconds,
      jti: randomUUID(),
    });
    return { token, expiresIn: this.options.ttlSeconds };
  }

  /** The body of `GET /.well-known/jwks.json`. */
  publicJwks(): { keys: JWK[] } {
    return { keys: [this.key.publicJwk] };
  }
}
