import type { Id } from '@ajla/shared-kernel';
import type { UserId } from '../user-id';

export type NotificationId = Id<'NotificationId'>;

/** The ids a client needs to open what a notification is about (ids only, as strings). */
export type NotificationData = Readonly<Record<string, string | number>>;

/** What one recipient is told about one event, before it is stored. */
export interface NotificationDraft {
  recipientId: UserId;
  title: string;
  body: string;
  data: NotificationData;
}

/** A stored notification: one per event per recipient, ever. */
export interface Notification {
  id: NotificationId;
  recipientId: UserId;
  /** The id of the event it tells of. */
  eventId: string;
  /** The event's routing key (`request.submitted`, ...). */
  type: string;
  title: string;
  body: string;
  data: NotificationData;
  readAt: Date | null;
  createdAt: Date;
  /**
   * Where it stands among its recipient's notifications: 1, 2, 3... in the order they were stored
   * (committed). What the live socket sends them in, and resumes from.
   */
  seq: number;
}
