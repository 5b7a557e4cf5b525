import { IncomingHttpHeaders } from 'node:http';

/** What the edge concluded about a caller's access token. */
export type EdgeAuthOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 401 | 503; readonly detail: string };

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

/**
 * The token of a WebSocket handshake: `?token=<jwt>`, else the subprotocol pair
 * `Sec-WebSocket-Protocol: bearer, <jwt>`, else a bearer `Authorization` header
 * (non-browser clients can send one).
 */
export function handshakeToken(search: string, headers: IncomingHttpHeaders): string | undefined {
  const fromQuery = new URLSearchParams(search).get('token');
  if (fromQuery) return fromQuery;

  const protocols = offeredProtocols(headers['sec-websocket-protocol']);
  const bearerAt = protocols.findIndex((protocol) => protocol.toLowerCase() === 'bearer');
  if (bearerAt >= 0 && protocols[bearerAt + 1]) return protocols[bearerAt + 1];

  return bearerToken(headers.authorization);
}

/** The subprotocols a client offered, in order. */
export function offeredProtocols(header: string | string[] | undefined): string[] {
  const value = Array.isArray(header) ? header.join(',') : header;
  return (value ?? '')
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== '');
}
