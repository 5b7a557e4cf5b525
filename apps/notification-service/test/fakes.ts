// In-memory stand-ins of the ports, for unit specs only (integration specs use Postgres).
import type { Notification, NotificationId } from '../src/domain/notification/notification';
import type {
  EventNotifications,
  NotificationListing,
  NotificationRepository,
} from '../src/domain/notification/notification.repository.port';
import type { AccountDirectory } from '../src/domain/account/account-directory.port';
import type { AccountRole } from '../src/domain/account/account-role';
import type { UserId } from '../src/domain/user-id';

export class InMemoryNotifications implements NotificationRepository {
  readonly stored: Notification[] = [];
  /** The new notifications whose e-mail was asked for (every one stored). */
  readonly mailed: Notification[] = [];
  private next = 0;
  /** Each recipient's last seq (their notifications are numbered 1, 2, 3...). */
  private readonly lastSeqs = new Map<UserId, number>();

  async addForEvent({ eventId, type, drafts, createdAt }: EventNotifications) {
    const added: Notification[] = [];
    for (const draft of drafts) {
      const exists = this.stored.some(
        (n) => n.eventId === eventId && n.recipientId === draft.recipientId,
      );
      if (exists) continue;
      const seq = (this.lastSeqs.get(draft.recipientId) ?? 0) + 1;
      this.lastSeqs.set(draft.recipientId, seq);
      const notification: Notification = {
        id: `00000000-0000-7000-8000-${String(++this.next).padStart(12, '0')}` as NotificationId,
        eventId,
        type,
        createdAt,
        readAt: null,
        seq,
        ...draft,
      };
      this.stored.push(notification);
      added.push(notification);
    }
    this.mailed.push(...added);
    return added;
  }

  async list({ recipientId, unreadOnly, page, pageSize }: NotificationListing) {
    const mine = this.stored
      .filter((n) => n.recipientId === recipientId && (!unreadOnly || n.readAt === null))
      .reverse();
    return { items: mine.slice((page - 1) * pageSize, page * pageSize), total: mine.length };
  }

  async markRead(id: NotificationId, recipientId: UserId, at: Date) {
    const found = this.stored.find((n) => n.id === id && n.recipientId === recipientId);
    if (found && found.readAt === null) found.readAt = at;
    return found;
  }

  async markAllRead(recipientId: UserId, at: Date) {
    for (const n of this.stored)
      if (n.recipientId === recipientId && n.readAt === null) n.readAt = at;
  }

  async seqOf(id: NotificationId, recipientId: UserId) {
    return this.stored.find((n) => n.id === id && n.recipientId === recipientId)?.seq;
  }

  async lastSeq(recipientId: UserId) {
    return this.lastSeqs.get(recipientId) ?? 0;
  }

  async listAfter(recipientId: UserId, afterSeq: number, limit: number) {
    return this.stored
      .filter((n) => n.recipientId === recipientId && n.seq > afterSeq)
      .slice(0, limit);
  }
}

/** The accounts' roles as the directory holds them (how they got there is `@ajla/account-directory`'s). */
export class InMemoryAccounts implements AccountDirectory {
  readonly roles = new Map<UserId, AccountRole>();

  async currentStaff() {
    return [...this.roles]
      .filter(([, role]) => role === 'agent' || role === 'admin')
      .map(([userId]) => userId);
  }

  async staffMembers() {
    return [...this.roles]
      .filter(([, role]) => role === 'agent' || role === 'admin')
      .map(([userId, role]) => ({ userId, role }));
  }
}

export const fixedClock = (iso = '2026-11-22T10:00:00.000Z') => ({ now: () => new Date(iso) });
