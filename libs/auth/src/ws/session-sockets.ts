import {
  OpenSockets,
  type OpenSocket,
  type OpenSocketsOptions,
  type SocketClose,
} from '@ajla/platform';
import type { WebSocket } from 'ws';
import type { RevocationEntry } from '../revocations/revocation-entry';
import {
  RevocationFeedUnavailableError,
  SessionRevocations,
  revocationAffects,
} from '../revocations/session-revocations';
import type { AuthenticatedUser } from '../tokens/access-token';

/**
 * Close code of a socket whose token lost its rights: 1008 "policy violation" is what the protocol
 * has for "this connection may no longer go on"; the reason says why.
 */
export const REVOKED_CLOSE_CODE = 1008;

/** The session ended (sign in again), or the account's role or tier changed (refresh the token and reconnect). */
export const REVOKED_REASON: Readonly<Record<RevocationEntry['kind'], string>> = {
  session_revoked: 'session revoked',
  access_changed: 'access changed',
};

/** A socket opened with an access token (checked at its handshake). */
export interface SessionSocket extends OpenSocket {
  /** The token it was opened with: what a revocation is matched against. */
  readonly token: AuthenticatedUser;
}

/**
 * The open sockets of a gateway (`OpenSockets` of `@ajla/platform`), each bound to the token it
 * was opened with: a socket whose session the revocation list hears has ended, or whose user's
 * role or tier changed, is closed with 1008 and the reason; so is one accepted while such a
 * revocation arrived (after its token was checked, before the socket was kept). It listens to the
 * list while it holds a socket: from the first one opened to the last one closed (at the latest,
 * when shutdown closes them all with 1001).
 */
export class SessionSockets<C extends SessionSocket> extends OpenSockets<C> {
  private stopHearing?: () => void;

  constructor(
    private readonly revocations: SessionRevocations,
    options: OpenSocketsOptions<C>,
  ) {
    super(options);
  }

  override open(ws: WebSocket, connection: C): void {
    this.stopHearing ??= this.revocations.onEntry((entry) => this.closeRevoked(entry));
    super.open(ws, connection);
  }

  override closed(ws: WebSocket, code?: number | string): void {
    super.closed(ws, code);
    if (this.size > 0) return;
    this.stopHearing?.();
    this.stopHearing = undefined;
  }

  /**
   * A revocation that arrived while the handshake was being checked (after the token was) found
   * no socket to close: look again now that there is one.
   */
  protected override closeAtOnce(connection: C): SocketClose | undefined {
    const { token } = connection;
    let kind: RevocationEntry['kind'] | undefined;
    try {
      const now = this.revocations.admit(token);
      kind = now.role === token.role && now.tier === token.tier ? undefined : 'access_changed';
    } catch (error) {
      // While the list cannot vouch for itself, the reload after it comes back closes what it must.
      kind = error instanceof RevocationFeedUnavailableError ? undefined : 'session_revoked';
    }
    return kind === undefined
      ? undefined
      : { code: REVOKED_CLOSE_CODE, reason: REVOKED_REASON[kind] };
  }

  /** Closes the sockets opened with a token the entry takes rights from. */
  private closeRevoked(entry: RevocationEntry): void {
    for (const connection of this) {
      if (revocationAffects(entry, connection.token)) {
        connection.close(REVOKED_CLOSE_CODE, REVOKED_REASON[entry.kind]);
      }
    }
  }
}
