import { Inject, Injectable } from '@nestjs/common';
import {
  NOTIFICATION_REPOSITORY,
  type NotificationRepository,
} from '../../domain/notification/notification.repository.port';
import { CLOCK, type Clock } from '../ports/clock.port';
import type { MarkAllReadCommand } from './mark-all-read.command';

/** Marks every unread notification of the caller read. */
@Injectable()
export class MarkAllReadHandler {
  constructor(
    @Inject(NOTIFICATION_REPOSITORY) private readonly notifications: NotificationRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: MarkAllReadCommand): Promise<void> {
    await this.notifications.markAllRead(command.caller.id, this.clock.now());
  }
}
