import { OutboxUnitOfWork, OutboxWriter } from '@ajla/messaging';
import { createDataSource, type ServiceDataSource } from '@ajla/platform';
import { newId } from '@ajla/shared-kernel';
import { migratedDatabase, type MigratedDatabase } from '@ajla/testing';
import type { UserId } from '../../domain/user-id';
import { PRODUCER } from '../notification-service.providers';
import { NOTIFICATIONS_SCHEMA, notificationServiceEntities } from './entities';
import { notificationServiceMigrations } from './migrations';
import { TypeOrmNotificationRepository } from './typeorm-notification.repository';

jest.setTimeout(30_000);

describe('notification-service persistence (real Postgres)', () => {
  let db: MigratedDatabase<ServiceDataSource>;
  let unitOfWork: OutboxUnitOfWork;
  let notifications: TypeOrmNotificationRepository;

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
  });

  afterAll(async () => {
    await db?.close();
  });

  it('indexes what the lists read: a recipient newest first, and the unread part', async () => {
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
