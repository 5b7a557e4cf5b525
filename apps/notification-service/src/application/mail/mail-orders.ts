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

export type MailOrder = NotificationMailOrder | DigestMailOrder;

/** What the rule reads of a notification (one about to be stored has no seq yet). */
export type MailableNotification = Pick<
  Notification,
  'id' | 'recipientId' | 'type' | 'data' | 'createdAt'
>;

/**
 * The e-mails that new notifications call for: chat replies are never mailed one by one but
 * gathered per conversation after `digestDelayMs`; every other notification is mailed at once. One order per notification, in their order.
 * (Every event goes to both channels until per-user preferences exist: README "Not yet".)
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
    return {
      kind: 'notification',
      recipientId: notification.recipientId,
      notificationId: notification.id,
      dueAt: notification.createdAt,
    };
  });
}
