import type { AuthenticatedUser, SessionSocket } from '@ajla/auth';
import { sendFrame } from '@ajla/platform';
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
  /** The seq of the notification named by `after`; undefined without `after`. */
  afterSeq: number | undefined;
}

export interface NotificationConnectionDeps {
  hub: NotificationHub;
  notifications: NotificationRepository;
}

/** Notifications read from the database per query while a resume catches up. */
export const CATCH_UP_PAGE = 100;

/**
 * One open notifications socket: on start, the caller's notifications stored after `after` (if
 * given), oldest first, then the live ones, each once.
 *
 * No gap: the socket joins its recipient's fan-out before it reads the database, so what commits
 * during the read arrives live, and is held until the read is done. No duplicate: a live push is
 * sent only if its seq is above `watermark`, the greatest seq the read sent (or `after`'s own).
 * Nothing the read missed can be below it: the repository gives a recipient's seqs in commit
 * order, so every notification with a smaller seq than one the read saw had committed before it.
 * Live pushes are not ordered among themselves (two replicas publish independently): they never
 * move the watermark, and each is sent as it comes.
 */
export class NotificationConnection implements NotificationPeer, SessionSocket {
  readonly recipientId: UserId;
  readonly caller: Caller;
  readonly token: AuthenticatedUser;
  private readonly afterSeq: number | undefined;
  /** Live pushes held while the resume reads the database; undefined once live. */
  private held: LiveNotification[] | undefined = [];
  private watermark = 0;
  private stopped = false;

  constructor(
    private readonly ws: WebSocket,
    admission: NotificationAdmission,
    private readonly deps: NotificationConnectionDeps,
  ) {
    this.caller = admission.caller;
    this.recipientId = admission.caller.id;
    this.token = admission.token;
    this.afterSeq = admission.afterSeq;
  }

  /**
   * Joins the fan-out, sends what was stored after the admission's `afterSeq` (nothing when
   * undefined), goes live.
   */
  async start(): Promise<void> {
    await this.deps.hub.join(this.recipientId, this);
    if (this.afterSeq !== undefined) {
      this.watermark = this.afterSeq;
      for (;;) {
        const page = await this.deps.notifications.listAfter(
          this.recipientId,
          this.watermark,
          CATCH_UP_PAGE,
        );
        if (this.stopped) return;
        for (const notification of page) {
          const { seq, frame } = notificationFrame(notification);
          sendFrame(this.ws, frame);
          this.watermark = seq;
        }
        if (page.length < CATCH_UP_PAGE) break;
      }
    }
    const held = this.held ?? [];
    this.held = undefined;
    for (const notification of held) this.offer(notification);
  }

  /** Leaves the fan-out (the socket closed). */
  stop(): void {
    this.stopped = true;
    this.held = undefined;
    this.deps.hub.leave(this.recipientId, this);
  }

  offer(notification: LiveNotification): void {
    if (this.stopped) return;
    if (this.held !== undefined) this.held.push(notification);
    else if (notification.seq > this.watermark) sendFrame(this.ws, notification.frame);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
}
