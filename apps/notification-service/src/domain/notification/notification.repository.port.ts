import type { UserId } from '../user-id';
import type { Notification, NotificationDraft, NotificationId } from './notification';

/** The notifications of one event, to store together. */
export interface EventNotifications {
  eventId: string;
  type: string;
  drafts: readonly NotificationDraft[];
  createdAt: Date;
}

export interface NotificationListing {
  recipientId: UserId;
  unreadOnly: boolean;
  page: number;
  pageSize: number;
}

export interface NotificationRepository {
  /**
   * Stores the drafts of one event; a recipient who already has a notification of that event
   * keeps it and gets no second one. Returns the notifications that are new.
   */
  addForEvent(notifications: EventNotifications): Promise<Notification[]>;
  /** A recipient's notifications, newest first, and how many there are in all. */
  list(listing: NotificationListing): Promise<{ items: Notification[]; total: number }>;
  /**
   * Marks one of the recipient's notifications read (keeping the time of the first read);
   * undefined when the recipient has no notification of that id.
   */
  markRead(id: NotificationId, recipientId: UserId, at: Date): Promise<Notification | undefined>;
  /** Marks every unread notification of the recipient read. */
  markAllRead(recipientId: UserId, at: Date): Promise<void>;
}

export const NOTIFICATION_REPOSITORY = Symbol('NotificationRepository');
