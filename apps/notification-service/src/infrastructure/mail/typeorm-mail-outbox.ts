import { Injectable } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import { newId } from '@ajla/shared-kernel';
import { mailOrdersOf } from '../../application/mail/mail-orders';
import type { MailOutbox } from '../../application/ports/mail-outbox.port';
import { NotificationServiceConfig } from '../../config/notification-service.config';
import type { Notification } from '../../domain/notification/notification';

/**
 * `notifications.mail_outbox`, written in the caller's transaction (the consumer's, with the
 * notifications and the event's inbox row). `MailSender` sends what it holds.
 */
@Injectable()
export class TypeOrmMailOutbox implements MailOutbox {
  constructor(
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly config: NotificationServiceConfig,
  ) {}

  async mailFor(notifications: readonly Notification[]): Promise<void> {
    const manager = this.unitOfWork.manager;
    for (const order of mailOrdersOf(notifications, this.config.MAIL_DIGEST_DELAY_MS)) {
      if (order.kind === 'notification') {
        await manager.query(
          `INSERT INTO mail_outbox (id, recipient_id, kind, notification_id, since, due_at, created_at)
           VALUES ($1, $2, 'notification', $3, $4, $4, $4)`,
          [newId(), order.recipientId, order.notificationId, order.dueAt],
        );
      } else {
        // A digest already waiting for this conversation takes the new reply in: the client hears
        // within the delay of the first unread reply. Replies are handled concurrently, so the
        // earlier one may come second: the digest keeps the earliest start and due time.
        await manager.query(
          `INSERT INTO mail_outbox (id, recipient_id, kind, conversation_id, since, due_at, created_at)
           VALUES ($1, $2, 'digest', $3, $4, $5, $4)
           ON CONFLICT (recipient_id, conversation_id) WHERE kind = 'digest' AND status = 'pending'
           DO UPDATE SET since = least(mail_outbox.since, EXCLUDED.since),
                         due_at = least(mail_outbox.due_at, EXCLUDED.due_at)`,
          [newId(), order.recipientId, order.conversationId, order.since, order.dueAt],
        );
      }
    }
  }
}
