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
   * Stores the drafts of one event, and the e-mail each new notification calls for (every one
   * is mailed: a chat reply in its conversation's digest), together; a recipient who already has
   * a notification of that event keeps it and gets no second one, nor a second mail. Returns the
   * notifications that are new. A recipient's notifications are numbered 1, 2, 3... (`seq`) in
   * the order they commit: a new one gets the next seq after every one of theirs committed
   * before, and none that commits later gets a smaller one.
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
  /** The seq of one of the recipient's notifications; undefined when the recipient has no such one. */
  seqOf(id: NotificationId, recipientId: UserId): Promise<number | undefined>;
  /** The seq of the recipient's latest notification; 0 when they have none. */
  lastSeq(recipientId: UserId): Promise<number>;
  /**
   * The recipient's notifications stored after the one of `afterSeq`, oldest first, at most
   * `limit`. Nothing the recipient gets later can have a smaller seq than what this returns.
   */
  listAfter(recipientId: UserId, afterSeq: number, limit: number): Promise<Notification[]>;
}

export const NOTIFICATION_REPOSITORY = Symbol('NotificationRepository');
