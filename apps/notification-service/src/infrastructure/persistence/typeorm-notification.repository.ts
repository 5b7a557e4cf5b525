import { Injectable } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import { PreparedStatement } from '@ajla/platform';
import { newId } from '@ajla/shared-kernel';
import type {
  Notification,
  NotificationData,
  NotificationId,
} from '../../domain/notification/notification';
import type {
  EventNotifications,
  NotificationListing,
  NotificationRepository,
} from '../../domain/notification/notification.repository.port';
import type { UserId } from '../../domain/user-id';
import {
  insertMailRowsSql,
  mailRowsParameters,
  TypeOrmMailOutbox,
} from '../mail/typeorm-mail-outbox';

/**
 * The statement of every notifying event (`addForEvent`), prepared once per connection: planning
 * it cost Postgres about as much as running it.
 */
const ADD_FOR_EVENT = new PreparedStatement<NotificationRow>(
  'notifications_add_for_event',
  `WITH drafted AS (
     SELECT DISTINCT ON (n.recipient_id) n.*
       FROM unnest($4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::jsonb[])
         AS n (id, recipient_id, title, body, data)
      WHERE NOT EXISTS (SELECT 1 FROM notifications x
                         WHERE x.event_id = $1 AND x.recipient_id = n.recipient_id)
      ORDER BY n.recipient_id
   ), numbered AS (
     INSERT INTO notification_sequences AS q (recipient_id, last_seq)
     SELECT recipient_id, 1 FROM drafted ORDER BY recipient_id
     ON CONFLICT (recipient_id) DO UPDATE SET last_seq = q.last_seq + 1
     RETURNING recipient_id, last_seq
   ), inserted AS (
     INSERT INTO notifications (id, recipient_id, event_id, type, title, body, data, created_at, seq)
     SELECT d.id, d.recipient_id, $1, $2, d.title, d.body, d.data, $3, numbered.last_seq
       FROM drafted d JOIN numbered USING (recipient_id)
     ON CONFLICT (event_id, recipient_id) DO NOTHING
     RETURNING *
   ), mailed AS (
     ${insertMailRowsSql(9)}
   )
   SELECT * FROM inserted`,
);

/** A row as `RETURNING *` / `SELECT *` gives it. */
export interface NotificationRow {
  id: string;
  recipient_id: string;
  event_id: string;
  type: string;
  title: string;
  body: string;
  data: NotificationData;
  read_at: Date | null;
  created_at: Date;
  /** bigint: pg gives it as a string. */
  seq: string;
}

/**
 * `notifications.notifications`, written in the caller's transaction (the consumer's, with its
 * inbox row), with the mail each new one calls for (`TypeOrmMailOutbox`).
 */
@Injectable()
export class TypeOrmNotificationRepository implements NotificationRepository {
  constructor(
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly mailOutbox: TypeOrmMailOutbox,
  ) {}

  /**
   * ONE statement: the recipients' next seqs, the notifications, their mail. Each recipient's
   * seqs run 1, 2, 3... in their commit order, or a live socket could not tell a notification it
   * missed from one of somebody else's, and a resume (`listAfter`) could skip one committed late
   * with an earlier seq: the seq is drawn from the recipient's row of `notification_sequences`,
   * whose lock is held until the commit. Rows are locked in one order (by recipient), so that two
   * events of the same staff cannot deadlock. A staff-wide event takes the same locks as the
   * previous one, so events of the same people commit one at a time: the handler makes this its
   * last statement, after every lookup, so the locks are held from here to the commit. Events
   * that arrive together share a transaction (`@ajla/messaging`'s consumer), which then holds the
   * locks of all of them: a replica runs its transactions one at a time, so they cannot deadlock
   * each other; should two replicas' shared transactions deadlock, Postgres aborts one and its
   * events run again one per transaction.
   * A recipient already told of this event is left out before a seq is drawn (and the unique
   * (event_id, recipient_id) pair stays the last guard), and the mail rows join what was really
   * inserted: a redelivered event mails nobody twice.
   */
  async addForEvent({
    eventId,
    type,
    drafts,
    createdAt,
  }: EventNotifications): Promise<Notification[]> {
    const planned = drafts.map((draft) => ({
      ...draft,
      id: newId<'NotificationId'>() as NotificationId,
      type,
      createdAt,
    }));
    const mail = this.mailOutbox.rowsFor(planned);
    const rows = await ADD_FOR_EVENT.run(this.unitOfWork.manager, [
      eventId,
      type,
      createdAt,
      planned.map((notification) => notification.id),
      planned.map((notification) => notification.recipientId),
      planned.map((notification) => notification.title),
      planned.map((notification) => notification.body),
      planned.map((notification) => JSON.stringify(notification.data)),
      ...mailRowsParameters(mail),
    ]);
    return rows.map(toNotification);
  }

  async list({
    recipientId,
    unreadOnly,
    page,
    pageSize,
  }: NotificationListing): Promise<{ items: Notification[]; total: number }> {
    const unread = unreadOnly ? 'AND read_at IS NULL' : '';
    const manager = this.unitOfWork.manager;
    const [rows, counted] = await Promise.all([
      manager.query(
        `SELECT * FROM notifications WHERE recipient_id = $1 ${unread}
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
        [recipientId, pageSize, (page - 1) * pageSize],
      ) as Promise<NotificationRow[]>,
      manager.query(
        `SELECT count(*)::int AS total FROM notifications WHERE recipient_id = $1 ${unread}`,
        [recipientId],
      ) as Promise<{ total: number }[]>,
    ]);
    return { items: rows.map(toNotification), total: counted[0].total };
  }

  async markRead(
    id: NotificationId,
    recipientId: UserId,
    at: Date,
  ): Promise<Notification | undefined> {
    const result: [NotificationRow[], number] = await this.unitOfWork.manager.query(
      `UPDATE notifications SET read_at = coalesce(read_at, $3)
       WHERE id = $1 AND recipient_id = $2
       RETURNING *`,
      [id, recipientId, at],
    );
    const row = result[0][0];
    return row === undefined ? undefined : toNotification(row);
  }

  async seqOf(id: NotificationId, recipientId: UserId): Promise<number | undefined> {
    const rows: { seq: string }[] = await this.unitOfWork.manager.query(
      `SELECT seq FROM notifications WHERE id = $1 AND recipient_id = $2`,
      [id, recipientId],
    );
    return rows.length === 0 ? undefined : Number(rows[0].seq);
  }

  async lastSeq(recipientId: UserId): Promise<number> {
    const rows: { last_seq: string }[] = await this.unitOfWork.manager.query(
      `SELECT last_seq FROM notification_sequences WHERE recipient_id = $1`,
      [recipientId],
    );
    return rows.length === 0 ? 0 : Number(rows[0].last_seq);
  }

  async listAfter(recipientId: UserId, afterSeq: number, limit: number): Promise<Notification[]> {
    const rows: NotificationRow[] = await this.unitOfWork.manager.query(
      `SELECT * FROM notifications WHERE recipient_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [recipientId, afterSeq, limit],
    );
    return rows.map(toNotification);
  }

  async markAllRead(recipientId: UserId, at: Date): Promise<void> {
    await this.unitOfWork.manager.query(
      `UPDATE notifications SET read_at = $2 WHERE recipient_id = $1 AND read_at IS NULL`,
      [recipientId, at],
    );
  }
}

export function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id as NotificationId,
    recipientId: row.recipient_id as UserId,
    eventId: row.event_id,
    type: row.type,
    title: row.title,
    body: row.body,
    data: row.data,
    readAt: row.read_at,
    createdAt: row.created_at,
    seq: Number(row.seq),
  };
}
