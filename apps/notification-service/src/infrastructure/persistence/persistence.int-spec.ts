import { OutboxUnitOfWork, OutboxWriter } from '@ajla/messaging';
import { createDataSource, type ServiceDataSource } from '@ajla/platform';
import { newId } from '@ajla/shared-kernel';
import { migratedDatabase, waitFor, type MigratedDatabase } from '@ajla/testing';
import { loadNotificationServiceConfig } from '../../config/notification-service.config';
import type { Notification, NotificationId } from '../../domain/notification/notification';
import type { UserId } from '../../domain/user-id';
import { TypeOrmMailOutbox } from '../mail/typeorm-mail-outbox';
import { PRODUCER } from '../notification-service.providers';
import { NOTIFICATIONS_SCHEMA, notificationServiceEntities } from './entities';
import { notificationServiceMigrations } from './migrations';
import { TypeOrmNotificationRepository } from './typeorm-notification.repository';

jest.setTimeout(30_000);

describe('notification-service persistence (real Postgres)', () => {
  let db: MigratedDatabase<ServiceDataSource>;
  let unitOfWork: OutboxUnitOfWork;
  let notifications: TypeOrmNotificationRepository;
  let mailOutbox: TypeOrmMailOutbox;

  beforeAll(async () => {
    db = await migratedDatabase('notifications_persistence', (url) =>
      createDataSource({
        url,
        schema: NOTIFICATIONS_SCHEMA,
        entities: notificationServiceEntities,
        migrations: notificationServiceMigrations,
      }),
    );
    unitOfWork = new OutboxUnitOfWork(db.dataSource, new OutboxWriter(), {
      producer: PRODUCER,
      events: { toIntegrationEvent: () => undefined },
    });
    notifications = new TypeOrmNotificationRepository(unitOfWork);
    mailOutbox = new TypeOrmMailOutbox(
      unitOfWork,
      loadNotificationServiceConfig({ MAIL_DIGEST_DELAY_MS: '60000' }),
    );
  });

  afterAll(async () => {
    await db?.close();
  });

  it('indexes what the lists read: a recipient newest first, the unread part, and by seq (resume)', async () => {
    const rows: { indexdef: string }[] = await db.dataSource.query(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = 'notifications' AND tablename = 'notifications'`,
    );
    const definitions = rows.map((row) => row.indexdef);
    expect(definitions).toEqual(
      expect.arrayContaining([
        expect.stringContaining('(event_id, recipient_id)'),
        expect.stringContaining('(recipient_id, created_at DESC, id DESC)'),
        expect.stringMatching(
          /\(recipient_id, created_at DESC, id DESC\) WHERE \(read_at IS NULL\)/,
        ),
        expect.stringMatching(/UNIQUE INDEX .* \(recipient_id, seq\)/),
      ]),
    );
  });

  it('keeps one notification per event and recipient, whoever else an event adds', async () => {
    const eventId = newId();
    const [first, second] = [newId<'UserId'>() as UserId, newId<'UserId'>() as UserId];
    const draft = (recipientId: UserId) => ({ recipientId, title: 't', body: 'b', data: { n: 1 } });
    const createdAt = new Date('2026-11-22T10:00:00.000Z');
    const added = await unitOfWork.run(() =>
      notifications.addForEvent({
        eventId,
        type: 'request.submitted',
        drafts: [draft(first)],
        createdAt,
      }),
    );
    expect(added.map((n) => n.recipientId)).toEqual([first]);
    const again = await unitOfWork.run(() =>
      notifications.addForEvent({
        eventId,
        type: 'request.submitted',
        drafts: [draft(first), draft(second)],
        createdAt,
      }),
    );
    expect(again.map((n) => n.recipientId)).toEqual([second]);
    expect(again[0]).toMatchObject({ eventId, data: { n: 1 }, readAt: null, createdAt });
  });

  it("gives a recipient's notifications seqs in commit order: a store waits for an open one of theirs", async () => {
    const [recipient, bystander] = [newId<'UserId'>() as UserId, newId<'UserId'>() as UserId];
    const store = (...recipients: UserId[]) =>
      unitOfWork.run(() =>
        notifications.addForEvent({
          eventId: newId(),
          type: 'request.submitted',
          drafts: recipients.map((recipientId) => ({
            recipientId,
            title: 't',
            body: 'b',
            data: {},
          })),
          createdAt: new Date(),
        }),
      );
    let commitFirst!: () => void;
    const firstStored = new Promise<void>((stored) => {
      void unitOfWork.run(async () => {
        await notifications.addForEvent({
          eventId: newId(),
          type: 'request.submitted',
          drafts: [{ recipientId: recipient, title: 't', body: 'first', data: {} }],
          createdAt: new Date(),
        });
        stored();
        await new Promise<void>((resolve) => (commitFirst = resolve));
      });
    });
    await firstStored;
    // Another recipient is not held up by the open transaction...
    await store(bystander);
    // ...the same one is: its store waits for the lock (or, without it, would commit first).
    let secondDone = false;
    const second = store(bystander, recipient).then((added) => {
      secondDone = true;
      return added;
    });
    await waitFor(async () => {
      if (secondDone) return true;
      const [{ waiting }] = await db.dataSource.query(
        `SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
      );
      return waiting > 0 || undefined;
    });
    expect(secondDone).toBe(false);
    expect(await notifications.listAfter(recipient, 0, 10)).toEqual([]);
    commitFirst();
    await second;
    const seen = await notifications.listAfter(recipient, 0, 10);
    expect(seen.map((n) => n.body)).toEqual(['first', 'b']);
    expect(seen[0].seq).toBeLessThan(seen[1].seq);
    expect(await notifications.seqOf(seen[1].id, recipient)).toBe(seen[1].seq);
    expect(await notifications.seqOf(seen[1].id, bystander)).toBeUndefined();
  });

  it('keeps a mail in the transaction of its notification, and one waiting digest per conversation', async () => {
    const client = newId<'UserId'>() as UserId;
    const conversationId = newId();
    const at = new Date('2026-11-22T10:00:00.000Z');
    const notification = (type: string, minute: number): Notification => ({
      id: newId<'NotificationId'>() as NotificationId,
      recipientId: client,
      eventId: newId(),
      type,
      title: 't',
      body: 'b',
      data: { conversation_id: conversationId },
      readAt: null,
      seq: minute + 1,
      createdAt: new Date(at.getTime() + minute * 60_000),
    });
    const rows = async () =>
      (await db.dataSource.query(
        `SELECT kind, status, since, due_at FROM notifications.mail_outbox
          WHERE recipient_id = $1 ORDER BY since, kind`,
        [client],
      )) as { kind: string; status: string; since: Date; due_at: Date }[];

    // A transaction that fails keeps no mail.
    await expect(
      unitOfWork.run(async () => {
        await mailOutbox.mailFor([notification('request.status_changed', 0)]);
        throw new Error('the consumer failed');
      }),
    ).rejects.toThrow('the consumer failed');
    expect(await rows()).toEqual([]);

    await unitOfWork.run(() =>
      mailOutbox.mailFor([
        notification('request.status_changed', 0),
        // Handled in any order: the later reply may come first; the digest keeps the earliest.
        notification('message.created', 1),
        notification('message.created', 0),
      ]),
    );
    expect(await rows()).toEqual([
      {
        kind: 'digest',
        status: 'pending',
        since: at,
        due_at: new Date('2026-11-22T10:01:00.000Z'),
      },
      { kind: 'notification', status: 'pending', since: at, due_at: at },
    ]);

    // Once that digest is sent, the next reply starts a new one.
    await db.dataSource.query(
      `UPDATE notifications.mail_outbox SET status = 'sent' WHERE recipient_id = $1 AND kind = 'digest'`,
      [client],
    );
    await unitOfWork.run(() => mailOutbox.mailFor([notification('message.created', 5)]));
    expect((await rows()).filter((row) => row.kind === 'digest').map((row) => row.status)).toEqual([
      'sent',
      'pending',
    ]);
  });

  it('has nothing pending, and can be undone and redone', async () => {
    expect(await db.dataSource.showMigrations()).toBe(false);
    for (let i = 0; i < notificationServiceMigrations.length; i++) {
      await db.dataSource.undoLastMigration();
    }
    const left: unknown[] = await db.dataSource.query(
      `SELECT 1 FROM information_schema.tables WHERE table_schema = 'notifications' AND table_name <> 'migrations'`,
    );
    expect(left).toHaveLength(0);
    await db.dataSource.runMigrations();
    expect(await db.dataSource.showMigrations()).toBe(false);
  });
});
