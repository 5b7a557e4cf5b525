import { IncomingMessage } from 'node:http';
import { UnauthenticatedError } from '@ajla/shared-kernel';
import { AuthenticatedUser } from '../tokens/access-token';
import { AccessTokenVerifier } from '../tokens/access-token.verifier';

/** Browsers cannot set headers on a WebSocket: the token comes as `bearer, <token>` subprotocols. */
export const BEARER_SUBPROTOCOL = 'bearer';

/** The access token of a WebSocket handshake: `?token=` or the subprotocol pair `bearer, <token>`. */
export function handshakeToken(req: Pick<IncomingMessage, 'url' | 'headers'>): string | undefined {
  const fromQuery = new URL(req.url ?? '/', 'http://handshake').searchParams.get('token');
  if (fromQuery) return fromQuery;
  const header = req.headers['sec-websocket-protocol'];
  const protocols = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((p) => p.trim());
  const at = protocols.findIndex((protocol) => protocol.toLowerCase() === BEARER_SUBPROTOCOL);
  return at >= 0 && protocols[at + 1] ? protocols[at + 1] : undefined;
}

/** Authenticates a WebSocket upgrade request before it is accepted (refuse with 401 otherwise). */
export class WsHandshakeVerifier {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async authenticate(req: Pick<IncomingMessage, 'url' | 'headers'>): Promise<AuthenticatedUser> {
    const token = handshakeToken(req);
    if (!token) throw new UnauthenticatedError('Missing access token', 'missing_token');
    return this.verifier.verify(token);
  }
}
