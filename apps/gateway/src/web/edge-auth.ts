/** What the edge concluded about a caller's access token. */
export type EdgeAuthOutcome =
  | {
      readonly ok: true;
      /** The token's `sub`: whom the per-user rate limits count. */
      readonly userId?: string;
    }
  | {
      readonly ok: false;
      readonly status: 401 | 503;
      readonly detail: string;
      readonly code: string;
    };

/** Checks access tokens at the edge; services check them again (defence in depth). */
export interface EdgeAuthenticator {
  verify(token: string | undefined): Promise<EdgeAuthOutcome>;
}

/** The token of `Authorization: Bearer <token>`, or undefined. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  const value = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = value?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
  return match?.[1];
}

/** The subprotocols a client offered, in order. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const value = Array.isArray(header) ? header.join(',') : header;
  return (value ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== '');
}
