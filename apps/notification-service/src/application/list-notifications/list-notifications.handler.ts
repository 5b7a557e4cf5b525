import { Inject, Injectable } from '@nestjs/common';
import { checkPaging, type Paged } from '@ajla/platform';
import type { Notification } from '../../domain/notification/notification';
import {
  NOTIFICATION_REPOSITORY,
  type NotificationRepository,
} from '../../domain/notification/notification.repository.port';
import type { ListNotificationsQuery } from './list-notifications.query';

/** The caller's own notifications, newest first, optionally only the unread ones. */
@Injectable()
export class ListNotificationsHandler {
  constructor(
    @Inject(NOTIFICATION_REPOSITORY) private readonly notifications: NotificationRepository,
  ) {}

  async execute(query: ListNotificationsQuery): Promise<Paged<Notification>> {
    checkPaging(query);
    const { items, total } = await this.notifications.list({
      recipientId: query.caller.id,
      unreadOnly: query.unreadOnly,
      page: query.page,
      pageSize: query.pageSize,
    });
    return { items, total, page: query.page, pageSize: query.pageSize };
  }
}
