import { Inject, Injectable } from '@nestjs/common';
import type { Notification } from '../../domain/notification/notification';
import {
  NOTIFICATION_REPOSITORY,
  type NotificationRepository,
} from '../../domain/notification/notification.repository.port';
import {
  ACCOUNT_DIRECTORY,
  type AccountDirectory,
} from '../../domain/account/account-directory.port';
import { MAIL_OUTBOX, type MailOutbox } from '../ports/mail-outbox.port';
import type { NotifyWebhookDisabledCommand } from './notify-webhook-disabled.command';
import { WEBHOOK_DISABLED, webhookDisabledDrafts } from './webhook-disabled-rule';

/**
 * Tells every admin, in the app and by e-mail, that a webhook was turned off. Runs in the
 * transaction that turns it off; returns the notifications stored, to push once it commits.
 */
@Injectable()
export class NotifyWebhookDisabledHandler {
  constructor(
    @Inject(NOTIFICATION_REPOSITORY) private readonly notifications: NotificationRepository,
    @Inject(ACCOUNT_DIRECTORY) private readonly accounts: AccountDirectory,
    @Inject(MAIL_OUTBOX) private readonly mail: MailOutbox,
  ) {}

  async execute(command: NotifyWebhookDisabledCommand): Promise<Notification[]> {
    const drafts = webhookDisabledDrafts(command, await this.accounts.staffMembers());
    if (drafts.length === 0) return [];
    const stored = await this.notifications.addForEvent({
      eventId: command.eventId,
      type: WEBHOOK_DISABLED,
      drafts,
      createdAt: command.disabledAt,
    });
    await this.mail.mailFor(stored);
    return stored;
  }
}
