import { isId, NotFoundError } from '@ajla/shared-kernel';
import type { NotificationId } from '../domain/notification/notification';

/**
 * The one answer for someone else's notification, one that does not exist and an id that is not
 * even a UUID: nobody can probe which ids exist.
 */
export function notificationNotFound(): NotFoundError {
  return new NotFoundError('notification not found', 'notification_not_found');
}

/** A notification id from a path; a malformed one names no notification. */
export function parseNotificationId(raw: string): NotificationId {
  if (!isId(raw)) throw notificationNotFound();
  return raw.toLowerCase() as NotificationId;
}
