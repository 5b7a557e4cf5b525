import type { IncomingMessage } from 'node:http';
import { Inject, Logger, Optional, UseFilters } from '@nestjs/common';
import {
  OnGatewayConnection,
  OnGatewayDisconnect,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import {
  SessionRevocations,
  SessionSockets,
  WsHandshakeVerifier,
  bearerSubprotocol,
} from '@ajla/auth';
import {
  ErrorFrameFilter,
  METRICS_REGISTRY,
  onlyFields,
  type TypedFrame,
  type WsGatewayServer,
  type WsUpgrade,
} from '@ajla/platform';
import { ValidationError, isId } from '@ajla/shared-kernel';
import type { Registry } from 'prom-client';
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
 * The client only ever sends `ping`: small frames, and the same flood limits as the chat (the
 * API's at least 200 at once, 50 per second), so no client is cut off for less than the chat.
 */
const MAX_FRAME_BYTES = 65_536;
const RATE = { burst: 200, perSecond: 50 };

/**
 * `GET /ws/notifications?token=&after=`, a gateway on the platform's `WsGatewayAdapter`: the
 * upgrade is checked (`after`, token) before it is accepted, so refusals are plain HTTP
 * 400/401/404 answers; then the socket gets `{"type": "notification", ...}` frames (resume, then
 * live: `NotificationConnection`). A revoked session's sockets are closed with 1008
 * (`SessionSockets`). (Heartbeats, the rate limit and 1001 on shutdown are the adapter's.)
 */
@WebSocketGateway({
  path: '/ws/notifications',
  // Browsers send the token as the subprotocol pair `bearer, <token>`: answer `bearer`.
  handleProtocols: bearerSubprotocol,
})
@UseFilters(ErrorFrameFilter)
export class NotificationsGateway
  implements
    OnGatewayInit<WsGatewayServer<NotificationAdmission>>,
    OnGatewayConnection<WebSocket>,
    OnGatewayDisconnect<WebSocket>
{
  private readonly sockets: SessionSockets<NotificationConnection>;
  private readonly deps: NotificationConnectionDeps;

  constructor(
    private readonly handshake: WsHandshakeVerifier,
    hub: NotificationHub,
    @Inject(NOTIFICATION_REPOSITORY) private readonly notifications: NotificationRepository,
    private readonly config: NotificationServiceConfig,
    revocations: SessionRevocations,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    const logger = new Logger(NotificationsGateway.name);
    this.deps = { hub, notifications, logger };
    this.sockets = new SessionSockets(revocations, {
      metrics: { name: 'notification', noun: 'notifications', registry },
      logger,
      describe: () => 'notifications socket',
    });
  }

  afterInit(server: WsGatewayServer<NotificationAdmission>): void {
    server.configure({
      admit: (upgrade) => this.admit(upgrade),
      maxPayload: MAX_FRAME_BYTES,
      heartbeatMs: this.config.NOTIFICATIONS_HEARTBEAT_MS,
      rate: RATE,
      onRefused: this.sockets.refused,
    });
  }

  handleConnection(
    ws: WebSocket,
    _request: IncomingMessage,
    admission: NotificationAdmission,
  ): void {
    this.sockets.open(ws, new NotificationConnection(ws, admission, this.deps));
  }

  /** `code` is the socket's close code (what the ws adapter passes as Nest's "reason"). */
  handleDisconnect(ws: WebSocket, code?: number | string): void {
    this.sockets.closed(ws, code);
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
    const token = await this.handshake.authenticate(request);
    const caller = callerOf(token);
    if (after === null) {
      return { caller, token, afterSeq: await this.notifications.lastSeq(caller.id) };
    }
    const afterSeq = await this.notifications.seqOf(
      after.toLowerCase() as NotificationId,
      caller.id,
    );
    if (afterSeq === undefined) throw notificationNotFound();
    return { caller, token, afterSeq };
  }
}
