/** Header `typ` of access tokens (RFC 9068), so no other JWT can pass for one. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Claim `token_use` of access tokens. */
export const ACCESS_TOKEN_USE = 'access';

export const ROLES = ['user', 'agent', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Who is calling, as an access token says. */
export interface AuthenticatedUser {
  id: string;
  role: Role;
  tier: number;
  /** The session (refresh-token family) the token belongs to: claim `sid`. */
  sessionId: string;
  /** When the token was issued: claim `iat` (seconds since the epoch). */
  issuedAt: number;
}
