import { Injectable } from '@nestjs/common';
import { newId } from '@ajla/shared-kernel';
import {
  mailOrdersOf,
  type MailableNotification,
  type MailOrder,
} from '../../application/mail/mail-orders';
import { NotificationServiceConfig } from '../../config/notification-service.config';

/**
 * The `notifications.mail_outbox` rows that notifications call for (`mailOrdersOf`), as the
 * column arrays of one `unnest`. `TypeOrmNotificationRepository.addForEvent` writes them in the
 * statement that stores the notifications, joined to the ones that statement really inserted, so
 * only new notifications are mailed, in their transaction (a crash loses none). `MailSender` sends
 * what the table holds.
 */
@Injectable()
export class TypeOrmMailOutbox {
  constructor(private readonly config: NotificationServiceConfig) {}

  rowsFor(notifications: readonly MailableNotification[]): MailOutboxRows {
    const rows: MailOutboxRows = {
      ids: [],
      notificationIds: [],
      kinds: [],
      conversationIds: [],
      since: [],
      dueAt: [],
    };
    const orders = mailOrdersOf(notifications, this.config.MAIL_DIGEST_DELAY_MS);
    orders.forEach((order, i) => {
      rows.ids.push(newId());
      // mailOrdersOf gives one order per notification, in their order.
      rows.notificationIds.push(notifications[i].id);
      rows.kinds.push(order.kind);
      rows.conversationIds.push(order.kind === 'digest' ? order.conversationId : null);
      rows.since.push(order.kind === 'notification' ? order.dueAt : order.since);
      rows.dueAt.push(order.dueAt);
    });
    return rows;
  }
}

/** One mail row per notification (`notificationIds`: the notification that calls for it). */
export interface MailOutboxRows {
  ids: string[];
  notificationIds: string[];
  kinds: MailOrder['kind'][];
  conversationIds: (string | null)[];
  since: Date[];
  dueAt: Date[];
}

/**
 * The insert of `MailOutboxRows` (parameters `$first`..`$first+5`) for the notifications of the
 * CTE `inserted`. A digest already waiting for the same recipient and scope (the client's
 * conversation; a staff member's new requests) takes the new notification in: the recipient hears
 * within the delay of the first one. Events are handled concurrently, so the earlier one may come
 * second: the digest keeps the earliest start and due time, and is rewritten only then (a later
 * one, the usual case, leaves the row as it is: no new row version per request and staff member).
 * (One event gives a recipient one notification, so one statement never meets the same digest
 * twice.)
 */
export function insertMailRowsSql(first: number): string {
  const p = (i: number) => `$${first + i}`;
  return `INSERT INTO mail_outbox
            (id, recipient_id, kind, notification_id, conversation_id, since, due_at, created_at)
          SELECT m.id, i.recipient_id, m.kind,
                 CASE WHEN m.kind = 'notification' THEN i.id END,
                 m.conversation_id, m.since, m.due_at, m.since
            FROM unnest(${p(0)}::uuid[], ${p(1)}::uuid[], ${p(2)}::text[], ${p(3)}::uuid[],
                        ${p(4)}::timestamptz[], ${p(5)}::timestamptz[])
                   AS m (id, notification_id, kind, conversation_id, since, due_at)
            JOIN inserted i ON i.id = m.notification_id
          ON CONFLICT (recipient_id, kind, conversation_id)
             WHERE kind <> 'notification' AND status = 'pending'
          DO UPDATE SET since = least(mail_outbox.since, EXCLUDED.since),
                        due_at = least(mail_outbox.due_at, EXCLUDED.due_at)
                  WHERE EXCLUDED.since < mail_outbox.since
                     OR EXCLUDED.due_at < mail_outbox.due_at`;
}

export function mailRowsParameters(rows: MailOutboxRows): unknown[] {
  return [rows.ids, rows.notificationIds, rows.kinds, rows.conversationIds, rows.since, rows.dueAt];
}
