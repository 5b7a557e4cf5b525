import { IncomingMessage } from 'node:http';
import { UpgradeRefusal } from '@ajla/platform';
import { UnauthenticatedError } from '@ajla/shared-kernel';
import { RevocationFeedUnavailableError } from '../revocations/session-revocations';
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

/**
 * The `handleProtocols` of a gateway that takes the token as subprotocols: answers `bearer`, which
 * browsers need to complete the handshake (`@WebSocketGateway({ handleProtocols: bearerSubprotocol })`).
 */
export function bearerSubprotocol(protocols: Set<string>): string | false {
  for (const protocol of protocols) {
    if (protocol.toLowerCase() === BEARER_SUBPROTOCOL) return protocol;
  }
  return false;
}

/**
 * Authenticates a WebSocket upgrade request before it is accepted: what it throws is the
 * refusal (401 without a valid token; 503 `unavailable` with `Retry-After` while the session
 * revocation list cannot vouch for itself).
 */
export class WsHandshakeVerifier {
  constructor(private readonly verifier: AccessTokenVerifier) {}

  async authenticate(req: Pick<IncomingMessage, 'url' | 'headers'>): Promise<AuthenticatedUser> {
    const token = handshakeToken(req);
    if (!token) throw new UnauthenticatedError('Missing access token', 'missing_token');
    try {
      return await this.verifier.verify(token);
    } catch (error) {
      if (!(error instanceof RevocationFeedUnavailableError)) throw error;
      throw new UpgradeRefusal({
        status: 503,
        body: { detail: error.message, code: 'unavailable' },
        headers: { 'Retry-After': String(error.retryAfterSeconds) },
      });
    }
  }
}
