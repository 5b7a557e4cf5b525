import type { RoleName } from '../user/role.value-object';
import type { SessionId } from './session.aggregate';
import type { TierLevel } from '../user/tier.value-object';
import type { UserId } from '../user/user-id';

export interface AccessTokenSubject {
  userId: UserId;
  role: RoleName;
  tier: TierLevel;
  /** The session the token belongs to: ending the session ends the token. */
  sessionId: SessionId;
}

export interface IssuedAccessToken {
  token: string;
  expiresInSeconds: number;
}

export interface RefreshTokenSecret {
  /** Given to the client once; never stored. */
  token: string;
  /** What is stored and looked up. */
  hash: string;
}

/** Makes the credentials a session hands out: signed access tokens and opaque refresh tokens. */
export interface TokenIssuer {
  issueAccessToken(subject: AccessTokenSubject): Promise<IssuedAccessToken>;
  newRefreshToken(): RefreshTokenSecret;
  hashRefreshToken(token: string): string;
}

export const TOKEN_ISSUER = Symbol('TokenIssuer');
