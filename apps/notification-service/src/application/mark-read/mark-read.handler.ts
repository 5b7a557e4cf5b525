import { Inject, Injectable } from '@nestjs/common';
import type { Notification } from '../../domain/notification/notification';
import {
  NOTIFICATION_REPOSITORY,
  type NotificationRepository,
} from '../../domain/notification/notification.repository.port';
import { notificationNotFound, parseNotificationId } from '../notification-access';
import { CLOCK, type Clock } from '../ports/clock.port';
import type { MarkReadCommand } from './mark-read.command';

/**
 * Marks one of the caller's notifications read. Idempotent: reading it again keeps the time it was
 * first read. Someone else's notification is not found, like one that does not exist.
 */
@Injectable()
export class MarkReadHandler {
  constructor(
    @Inject(NOTIFICATION_REPOSITORY) private readonly notifications: NotificationRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: MarkReadCommand): Promise<Notification> {
    const id = parseNotificationId(command.notificationId);
    const read = await this.notifications.markRead(id, command.caller.id, this.clock.now());
    if (read === undefined) throw notificationNotFound();
    return read;
  }
}
