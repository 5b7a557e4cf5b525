import type { Notification } from '../../domain/notification/notification';

export const MAIL_OUTBOX = Symbol('MailOutbox');

/**
 * The e-mails still to send. `mailFor` keeps those that new notifications call for (see
 * `mailOrdersOf`) in the same transaction as the notifications, so a crash loses none.
 */
export interface MailOutbox {
  mailFor(notifications: readonly Notification[]): Promise<void>;
}
