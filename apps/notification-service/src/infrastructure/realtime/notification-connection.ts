import type { LoggerService } from '@nestjs/common';
import type { AuthenticatedUser, SessionSocket } from '@ajla/auth';
import { sendFrame, SequenceCursor } from '@ajla/platform';
import type { WebSocket } from 'ws';
import type { Caller } from '../../application/ports/caller';
import type { NotificationRepository } from '../../domain/notification/notification.repository.port';
import type { UserId } from '../../domain/user-id';
import {
  notificationFrame,
  type LiveNotification,
  type NotificationHub,
  type NotificationPeer,
} from './notification-hub';

/** What the handshake established for one socket (`NotificationsGateway.admit`). */
export interface NotificationAdmission {
  caller: Caller;
  /** The token it was opened with: what a revocation is matched against. */
  token: AuthenticatedUser;
  /**
   * Where the socket starts: the seq of the notification named by `after`, or without `after`
   * the caller's latest seq at the handshake (only what comes later is sent).
   */
  afterSeq: number;
}

export interface NotificationConnectionDeps {
  hub: NotificationHub;
  notifications: NotificationRepository;
  logger: LoggerService;
}

/** Notifications read from the database per query while a resume catches up. */
export const CATCH_UP_PAGE = 100;

/**
 * One open notifications socket: its recipient's notifications after the admission's `afterSeq`,
 * in seq order, each once: those stored, then the live ones, through its cursor.
 *
 * No gap, no duplicate, and in order across replicas: the socket joins its recipient's fan-out
 * before it reads the database, so what commits during the read arrives live and waits for it.
 * A recipient's seqs run 1, 2, 3... in commit order (the repository draws them under a lock of
 * the recipient held until the commit), so a live push that is not the next one reveals a gap,
 * which is read from the database, where it already is: two replicas' pushes may reach Redis in
 * the other order, and the client still gets them in order, so the last one it saw is the one to
 * resume from.
 */
export class NotificationConnection implements NotificationPeer, SessionSocket {
  readonly recipientId: UserId;
  readonly caller: Caller;
  readonly token: AuthenticatedUser;
  private readonly afterSeq: number;
  private readonly cursor: SequenceCursor<LiveNotification>;

  constructor(
    private readonly ws: WebSocket,
    admission: NotificationAdmission,
    private readonly deps: NotificationConnectionDeps,
  ) {
    this.caller = admission.caller;
    const recipientId = admission.caller.id;
    this.recipientId = recipientId;
    this.token = admission.token;
    this.afterSeq = admission.afterSeq;
    this.cursor = new SequenceCursor<LiveNotification>({
      fetchAfter: async (afterSeq, limit) => {
        const page = await deps.notifications.listAfter(recipientId, afterSeq, limit);
        return page.map(notificationFrame);
      },
      deliver: (notification) => sendFrame(this.ws, notification.frame),
      onError: (error) => {
        deps.logger.error(
          `notifications of ${recipientId}: could not read them: ${String(error)}`,
          undefined,
          'NotificationConnection',
        );
        // Better a resume (the client's `after`) than a socket that silently misses some.
        this.ws.close(1011, 'internal error');
      },
      pageSize: CATCH_UP_PAGE,
    });
  }

  /** Joins the fan-out, sends what was stored after the admission's `afterSeq`, goes live. */
  async start(): Promise<void> {
    await this.deps.hub.join(this.recipientId, this);
    // Subscribed first, then caught up from the database: nothing committed in between is lost.
    await this.cursor.start(this.afterSeq);
  }

  /** Leaves the fan-out (the socket closed). */
  stop(): void {
    this.cursor.stop();
    this.deps.hub.leave(this.recipientId, this);
  }

  offer(notification: LiveNotification): void {
    this.cursor.offer(notification);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
}
