import type { Notification } from '../../domain/notification/notification';
import type { UserId } from '../../domain/user-id';

/** One e-mail to send: the mail of one notification, now. */
export interface NotificationMailOrder {
  kind: 'notification';
  recipientId: UserId;
  notificationId: string;
  dueAt: Date;
}

/**
 * The digest of a client's unread staff replies in one conversation, due once the client has had
 * time to read them in the app. Later replies join the digest already waiting (same due time).
 */
export interface DigestMailOrder {
  kind: 'digest';
  recipientId: UserId;
  conversationId: string;
  /** Replies notified from then on are the digest's. */
  since: Date;
  dueAt: Date;
}

/**
 * The digest of the requests submitted since `since`, for one staff member: at most one such
 * mail per delay, however many requests arrive (one mail each would bury them). Later requests
 * join the digest already waiting (same due time); the next one after it went out starts another.
 */
export interface NewRequestsMailOrder {
  kind: 'new_requests';
  recipientId: UserId;
  /** Requests notified from then on are the digest's. */
  since: Date;
  dueAt: Date;
}

export type MailOrder = NotificationMailOrder | DigestMailOrder | NewRequestsMailOrder;

/** What the rule reads of a notification (one about to be stored has no seq yet). */
export type MailableNotification = Pick<
  Notification,
  'id' | 'recipientId' | 'type' | 'data' | 'createdAt'
>;

/**
 * The e-mails that new notifications call for, one order per notification, in their order. Two
 * kinds are never mailed one by one but gathered, due `digestDelayMs` after the first: a client's
 * staff replies, per conversation (`digest`), and a staff member's new requests (`new_requests`).
 * Every other notification is mailed at once. (The outbox keeps one pending digest per recipient
 * and scope: the orders of a digest already waiting join it.)
 */
export function mailOrdersOf(
  notifications: readonly MailableNotification[],
  digestDelayMs: number,
): MailOrder[] {
  return notifications.map((notification): MailOrder => {
    const conversationId = notification.data.conversation_id;
    if (notification.type === 'message.created' && typeof conversationId === 'string') {
      return {
        kind: 'digest',
        recipientId: notification.recipientId,
        conversationId,
        since: notification.createdAt,
        dueAt: new Date(notification.createdAt.getTime() + digestDelayMs),
      };
    }
    if (notification.type === 'request.submitted') {
      return {
        kind: 'new_requests',
        recipientId: notification.recipientId,
        since: notification.createdAt,
        dueAt: new Date(notification.createdAt.getTime() + digestDelayMs),
      };
    }
    return {
      kind: 'notification',
      recipientId: notification.recipientId,
      notificationId: notification.id,
      dueAt: notification.createdAt,
    };
  });
}
