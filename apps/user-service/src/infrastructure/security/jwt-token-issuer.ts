import { createHash, randomBytes } from 'node:crypto';
import type { TokenSigner } from '@ajla/auth';
import type {
  AccessTokenSubject,
  IssuedAccessToken,
  RefreshTokenSecret,
  TokenIssuer,
} from '../../domain/session/token-issuer.port';

/** 256 bits of entropy: unguessable, and too long to brute-force by its hash. */
const REFRESH_TOKEN_BYTES = 32;

/**
 * Access tokens: ES256 JWTs made by libs/auth's TokenSigner, next to the verifier every service
 * uses. Refresh tokens: opaque random strings (base64url of 32 random bytes), of which only the
 * SHA-256 is stored. A fast hash is enough here, unlike for passwords: with 256 bits of entropy
 * there is nothing to guess.
 */
export class JwtTokenIssuer implements TokenIssuer {
  constructor(private readonly signer: TokenSigner) {}

  async issueAccessToken(subject: AccessTokenSubject): Promise<IssuedAccessToken> {
    const signed = await this.signer.sign({
      sub: subject.userId,
      role: subject.role,
      tier: subject.tier,
      sid: subject.sessionId,
    });
    return { token: signed.token, expiresInSeconds: signed.expiresIn };
  }

  newRefreshToken(): RefreshTokenSecret {
    const token = randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
    return { token, hash: this.hashRefreshToken(token) };
  }

  hashRefreshToken(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
  }
}
