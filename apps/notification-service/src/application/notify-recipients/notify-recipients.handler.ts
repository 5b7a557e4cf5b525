import { Inject, Injectable } from '@nestjs/common';
import type { Notification, NotificationDraft } from '../../domain/notification/notification';
import {
  NOTIFICATION_REPOSITORY,
  type NotificationRepository,
} from '../../domain/notification/notification.repository.port';
import {
  ACCOUNT_DIRECTORY,
  type AccountDirectory,
} from '../../domain/account/account-directory.port';
import { CLOCK, type Clock } from '../ports/clock.port';
import {
  messageCreatedDrafts,
  requestAssignedDrafts,
  requestStatusChangedDrafts,
  requestSubmittedDrafts,
} from './notification-rules';
import type { NotifyRecipientsCommand } from './notify-recipients.command';

/**
 * Turns one event into the notifications of its recipients (API.md's rules) and stores them
 * and the e-mails they call for. Returns the notifications that are new: none for an event
 * already handled.
 */
@Injectable()
export class NotifyRecipientsHandler {
  constructor(
    @Inject(NOTIFICATION_REPOSITORY) private readonly notifications: NotificationRepository,
    @Inject(ACCOUNT_DIRECTORY) private readonly accounts: AccountDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(event: NotifyRecipientsCommand): Promise<Notification[]> {
    const drafts = await this.draftsOf(event);
    if (drafts.length === 0) return [];
    // With the e-mails of the new ones only: a redelivered event mails nobody twice.
    return this.notifications.addForEvent({
      eventId: event.id,
      type: event.type,
      drafts,
      createdAt: this.clock.now(),
    });
  }

  private async draftsOf(event: NotifyRecipientsCommand): Promise<NotificationDraft[]> {
    switch (event.type) {
      case 'request.submitted':
        return requestSubmittedDrafts(event.data, await this.accounts.currentStaff());
      case 'request.assigned':
        return requestAssignedDrafts(event.data);
      case 'request.status_changed':
        return requestStatusChangedDrafts(event.data);
      case 'message.created':
        return messageCreatedDrafts(event.data);
    }
  }
}
