import type { IncomingMessage } from 'node:http';
import {
  Inject,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
  UseFilters,
} from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import {
  BEARER_SUBPROTOCOL,
  RevocationFeedUnavailableError,
  SessionRevocations,
  WsHandshakeVerifier,
  revocationAffects,
  type AuthenticatedUser,
  type RevocationEntry,
} from '@ajla/auth';
import {
  ErrorFrameFilter,
  METRICS_REGISTRY,
  UpgradeRefusal,
  onlyFields,
  type TypedFrame,
  type WsGatewayServer,
  type WsUpgrade,
} from '@ajla/platform';
import { ValidationError, isId } from '@ajla/shared-kernel';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import { notificationNotFound } from '../../application/notification-access';
import type { NotificationId } from '../../domain/notification/notification';
import {
  NOTIFICATION_REPOSITORY,
  type NotificationRepository,
} from '../../domain/notification/notification.repository.port';
import { NotificationServiceConfig } from '../../config/notification-service.config';
import { callerOf } from '../web/caller';
import {
  NotificationConnection,
  type NotificationAdmission,
  type NotificationConnectionDeps,
} from './notification-connection';
import { NotificationHub } from './notification-hub';

/**
 * Close code and reasons for a socket whose token lost its rights (as the chat's): the session
 * ended, or the account's role or tier changed (refresh the token and reconnect).
 */
export const REVOKED_CLOSE_CODE = 1008;
const REVOKED_REASON: Record<RevocationEntry['kind'], string> = {
  session_revoked: 'session revoked',
  access_changed: 'access changed',
};

/**
 * The client only ever sends `ping`: small frames, and the same flood limits as the chat (the
 * API's at least 200 at once, 50 per second), so no client is cut off for less than the chat.
 */
const MAX_FRAME_BYTES = 65_536;
const RATE = { burst: 200, perSecond: 50 };

/**
 * `GET /ws/notifications?token=&after=`, a gateway on the platform's `WsGatewayAdapter`: the
 * upgrade is checked (`after`, token) before it is accepted, so refusals are plain HTTP
 * 400/401/404 answers; then the socket gets `{"type": "notification", ...}` frames (resume, then
 * live: `NotificationConnection`). A revoked session's sockets are closed with 1008. (Heartbeats,
 * the rate limit and 1001 on shutdown are the adapter's.)
 */
@WebSocketGateway({
  path: '/ws/notifications',
  // Browsers send the token as the subprotocol pair `bearer, <token>`: answer `bearer`.
  handleProtocols: (protocols: Set<string>) =>
    [...protocols].find((p) => p.toLowerCase() === BEARER_SUBPROTOCOL) ?? false,
})
@UseFilters(ErrorFrameFilter)
export class NotificationsGateway
  implements
    OnGatewayInit<WsGatewayServer<NotificationAdmission>>,
    OnGatewayConnection<WebSocket>,
    OnGatewayDisconnect<WebSocket>,
    OnApplicationBootstrap,
    OnApplicationShutdown
{
  private readonly logger = new Logger(NotificationsGateway.name);
  private readonly connections = new Map<WebSocket, NotificationConnection>();
  private stopHearingRevocations?: () => void;
  private readonly deps: NotificationConnectionDeps;
  private readonly metrics?: {
    refused: Counter<'status'>;
    closed: Counter<'code'>;
  };

  constructor(
    private readonly handshake: WsHandshakeVerifier,
    private readonly hub: NotificationHub,
    @Inject(NOTIFICATION_REPOSITORY) private readonly notifications: NotificationRepository,
    private readonly config: NotificationServiceConfig,
    private readonly revocations: SessionRevocations,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    this.deps = { hub, notifications };
    if (registry !== undefined) {
      const connections = this.connections;
      new Gauge({
        name: 'ajla_notification_connections',
        help: 'Open notifications WebSockets on this replica',
        registers: [registry],
        collect() {
          this.set(connections.size);
        },
      });
      this.metrics = {
        refused: new Counter({
          name: 'ajla_notification_handshakes_refused_total',
          help: 'Notifications WebSocket handshakes refused, by HTTP status',
          labelNames: ['status'],
          registers: [registry],
        }),
        closed: new Counter({
          name: 'ajla_notification_disconnections_total',
          help: 'Notifications WebSockets closed, by close code',
          labelNames: ['code'],
          registers: [registry],
        }),
      };
    }
  }

  afterInit(server: WsGatewayServer<NotificationAdmission>): void {
    server.configure({
      admit: (upgrade) => this.admit(upgrade),
      maxPayload: MAX_FRAME_BYTES,
      heartbeatMs: this.config.NOTIFICATIONS_HEARTBEAT_MS,
      rate: RATE,
      onRefused: (status) => this.metrics?.refused.inc({ status: String(status) }),
    });
  }

  onApplicationBootstrap(): void {
    this.stopHearingRevocations = this.revocations.onEntry((entry) => this.closeRevoked(entry));
  }

  /** After the adapter closed every socket (1001): the fan-out's Redis subscriber goes. */
  async onApplicationShutdown(): Promise<void> {
    this.stopHearingRevocations?.();
    await this.hub.close();
  }

  handleConnection(
    ws: WebSocket,
    _request: IncomingMessage,
    admission: NotificationAdmission,
  ): void {
    const connection = new NotificationConnection(ws, admission, this.deps);
    this.connections.set(ws, connection);
    const revokedMeanwhile = this.revokedSinceHandshake(admission.token);
    if (revokedMeanwhile !== undefined) {
      connection.close(REVOKED_CLOSE_CODE, REVOKED_REASON[revokedMeanwhile]);
      return;
    }
    connection.start(admission.afterSeq).catch((error: unknown) => {
      this.logger.error(`notifications socket could not start: ${String(error)}`);
      // Better a resume later than a socket that silently misses notifications.
      connection.close(1011, 'internal error');
    });
  }

  /** `code` is the socket's close code (what the ws adapter passes as Nest's "reason"). */
  handleDisconnect(ws: WebSocket, code?: number | string): void {
    this.connections.get(ws)?.stop();
    this.connections.delete(ws);
    this.metrics?.closed.inc({ code: String(code) });
  }

  /** The only frame a client sends: answered `pong` (an application-level keep-alive). */
  @SubscribeMessage('ping')
  ping(_ws: WebSocket, frame: TypedFrame): object {
    onlyFields(frame, ['type']);
    return { type: 'pong' };
  }

  /**
   * The upgrade's check: `after` (400 if it is no UUID), the token (401), then `after` again (404
   * if it names no notification of the caller: someone else's is as unknown as a made-up one).
   */
  private async admit({ query, request }: WsUpgrade): Promise<NotificationAdmission> {
    const after = query.get('after');
    if (after !== null && !isId(after)) throw new ValidationError('after must be a UUID');
    let token: AuthenticatedUser;
    try {
      token = await this.handshake.authenticate(request);
    } catch (error) {
      if (!(error instanceof RevocationFeedUnavailableError)) throw error;
      throw new UpgradeRefusal({
        status: 503,
        body: { detail: error.message, code: 'unavailable' },
        headers: { 'Retry-After': String(error.retryAfterSeconds) },
      });
    }
    const caller = callerOf(token);
    let afterSeq: number | undefined;
    if (after !== null) {
      afterSeq = await this.notifications.seqOf(after.toLowerCase() as NotificationId, caller.id);
      if (afterSeq === undefined) throw notificationNotFound();
    }
    return { caller, token, afterSeq };
  }

  /** Closes the sockets opened with a token the entry takes rights from. */
  private closeRevoked(entry: RevocationEntry): void {
    for (const connection of this.connections.values()) {
      if (revocationAffects(entry, connection.token)) {
        connection.close(REVOKED_CLOSE_CODE, REVOKED_REASON[entry.kind]);
      }
    }
  }

  /**
   * A revocation that arrived while the handshake was being checked (after the token was) found
   * no socket to close: look again now that there is one.
   */
  private revokedSinceHandshake(token: AuthenticatedUser): RevocationEntry['kind'] | undefined {
    try {
      const now = this.revocations.admit(token);
      return now.role === token.role && now.tier === token.tier ? undefined : 'access_changed';
    } catch (error) {
      // While the list cannot vouch for itself, the reload after it comes back closes what it must.
      return error instanceof RevocationFeedUnavailableError ? undefined : 'session_revoked';
    }
  }
}
