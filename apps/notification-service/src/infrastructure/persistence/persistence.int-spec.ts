import { OutboxUnitOfWork, OutboxWriter } from '@ajla/messaging';
import { createDataSource, type ServiceDataSource } from '@ajla/platform';
import { newId } from '@ajla/shared-kernel';
import { migratedDatabase, waitFor, type MigratedDatabase } from '@ajla/testing';
import { loadNotificationServiceConfig } from '../../config/notification-service.config';
import type { Notification } from '../../domain/notification/notification';
import type { UserId } from '../../domain/user-id';
import { TypeOrmMailOutbox } from '../mail/typeorm-mail-outbox';
import { PRODUCER } from '../notification-service.providers';
import { NOTIFICATIONS_SCHEMA, notificationServiceEntities } from './entities';
import { notificationServiceMigrations } from './migrations';
import { TypeOrmNotificationRepository } from './typeorm-notification.repository';
import { DirectoryCache } from './directory-cache';
import { TypeOrmAccountDirectory } from './typeorm-account-directory';
import { WebhookDeliveries } from '../webhooks/webhook-deliveries';

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
    notifications = new TypeOrmNotificationRepository(
      unitOfWork,
      new TypeOrmMailOutbox(loadNotificationServiceConfig({ MAIL_DIGEST_DELAY_MS: '60000' })),
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
        `SELECT count(*)::int AS waiting FROM pg_locks WHERE NOT granted`,
      );
      return waiting > 0 || undefined;
    });
    expect(secondDone).toBe(false);
    expect(await notifications.listAfter(recipient, 0, 10)).toEqual([]);
    commitFirst();
    await second;
    const seen = await notifications.listAfter(recipient, 0, 10);
    expect(seen.map((n) => n.body)).toEqual(['first', 'b']);
    // The recipient's own count: 1, 2, whatever the bystander got.
    expect(seen.map((n) => n.seq)).toEqual([1, 2]);
    expect(await notifications.lastSeq(recipient)).toBe(2);
    expect(await notifications.lastSeq(bystander)).toBe(2);
    expect(await notifications.lastSeq(newId<'UserId'>() as UserId)).toBe(0);
    expect(await notifications.seqOf(seen[1].id, recipient)).toBe(seen[1].seq);
    expect(await notifications.seqOf(seen[1].id, bystander)).toBeUndefined();
  });

  it('keeps a resume gap-free while events for the same recipients commit concurrently', async () => {
    const staff = Array.from({ length: 5 }, () => newId<'UserId'>() as UserId);
    const events = Array.from({ length: 8 }, (_, i) => `event ${i}`);
    const seen = new Map(staff.map((id) => [id, [] as Notification[]]));
    const cursor = new Map(staff.map((id) => [id, 0]));
    // A live socket's resume: from the last seq seen, again and again.
    const poll = async () => {
      for (const id of staff) {
        const got = await notifications.listAfter(id, cursor.get(id)!, 100);
        if (got.length === 0) continue;
        seen.get(id)!.push(...got);
        cursor.set(id, got[got.length - 1].seq);
      }
    };
    let storing = true;
    const reader = (async () => {
      while (storing) await poll();
    })();
    await Promise.all(
      events.map((body, i) =>
        unitOfWork.run(async () => {
          await notifications.addForEvent({
            eventId: newId(),
            type: 'request.submitted',
            drafts: staff.map((recipientId) => ({ recipientId, title: 't', body, data: {} })),
            createdAt: new Date(),
          });
          // Time between the store and the commit, uneven: commits would overtake each other.
          await new Promise((resolve) => setTimeout(resolve, (i * 7) % 20));
        }),
      ),
    );
    storing = false;
    await reader;
    await poll();
    for (const id of staff) {
      const mine = seen.get(id)!;
      expect(mine.map((n) => n.body).sort()).toEqual(events);
      // Read in order, with no seq missed: 1, 2, 3... (a live socket tells a gap by it).
      expect(mine.map((n) => n.seq)).toEqual(events.map((_, i) => i + 1));
    }
    // One new-requests digest waiting per staff member, whatever the number of requests.
    const mailed: { kind: string; status: string; count: number }[] = await db.dataSource.query(
      `SELECT kind, status, count(*)::int AS count FROM notifications.mail_outbox
        WHERE recipient_id = ANY($1) GROUP BY 1, 2`,
      [staff],
    );
    expect(mailed).toEqual([{ kind: 'new_requests', status: 'pending', count: staff.length }]);
  });

  it('keeps a mail in the transaction of its notification, and one waiting digest per conversation', async () => {
    const client = newId<'UserId'>() as UserId;
    const conversationId = newId();
    const at = new Date('2026-11-22T10:00:00.000Z');
    const notify = (type: string, minute: number, eventId = newId()) =>
      notifications.addForEvent({
        eventId,
        type,
        drafts: [
          { recipientId: client, title: 't', body: 'b', data: { conversation_id: conversationId } },
        ],
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
        await notify('request.status_changed', 0);
        throw new Error('the consumer failed');
      }),
    ).rejects.toThrow('the consumer failed');
    expect(await rows()).toEqual([]);

    const statusChanged = newId();
    await unitOfWork.run(() => notify('request.status_changed', 0, statusChanged));
    // Handled in any order: the later reply may come first; the digest keeps the earliest.
    await unitOfWork.run(() => notify('message.created', 1));
    await unitOfWork.run(() => notify('message.created', 0));
    // An event stored again adds neither a notification nor a mail.
    expect(await unitOfWork.run(() => notify('request.status_changed', 0, statusChanged))).toEqual(
      [],
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
    await unitOfWork.run(() => notify('message.created', 5));
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

  describe("the directory kept in memory (DirectoryCache and the migration's triggers)", () => {
    let cache: DirectoryCache;
    let accounts: TypeOrmAccountDirectory;
    let webhooks: WebhookDeliveries;
    const staffId = newId();
    const webhookId = newId();
    const kept = () => ({
      staff: cache.peek<string[]>('staff'),
      webhooks: cache.peek<unknown[]>('webhook_subscriptions'),
    });
    const warm = async () => {
      await accounts.currentStaff();
      await unitOfWork.run(() => webhooks.queue(anEvent()));
      expect(kept().staff).toBeDefined();
      expect(kept().webhooks).toBeDefined();
    };
    const anEvent = () =>
      ({ id: newId(), type: 'request.submitted', data: {} }) as unknown as Parameters<
        WebhookDeliveries['queue']
      >[0];

    beforeAll(async () => {
      cache = new DirectoryCache(db.dataSource);
      await cache.onApplicationBootstrap();
      expect(cache.listening).toBe(true);
      accounts = new TypeOrmAccountDirectory(unitOfWork, cache);
      webhooks = new WebhookDeliveries(unitOfWork, cache);
    });

    afterAll(async () => {
      await cache?.onApplicationShutdown();
    });

    it('forgets who is staff when a role changes, and only then', async () => {
      await db.dataSource.query(
        `INSERT INTO notifications.accounts (user_id, role, email, last_event_at)
         VALUES ($1, 'user', 'later.agent@ajla.test', now())`,
        [staffId],
      );
      await waitFor(async () => {
        await warm();
        return true;
      });
      expect(await accounts.currentStaff()).not.toContain(staffId);
      // A change that is no role change keeps it.
      await db.dataSource.query(
        `UPDATE notifications.accounts SET full_name = 'Later Agent' WHERE user_id = $1`,
        [staffId],
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(kept().staff).toBeDefined();

      await db.dataSource.query(
        `UPDATE notifications.accounts SET role = 'agent' WHERE user_id = $1`,
        [staffId],
      );
      await waitFor(() => kept().staff === undefined);
      expect(await accounts.currentStaff()).toContain(staffId);
    });

    it('forgets the subscriptions when one comes, changes what it wants or goes, not at every attempt', async () => {
      await warm();
      const event = anEvent();
      await db.dataSource.query(
        `INSERT INTO notifications.webhook_subscriptions (id, url, events, secret, active, created_at, created_by)
         VALUES ($1, 'https://example.test/hook', '{request.submitted}', 'sealed', true, now(), $2)`,
        [webhookId, staffId],
      );
      await waitFor(() => kept().webhooks === undefined);
      await unitOfWork.run(() => webhooks.queue(event));
      const queued = await db.dataSource.query(
        `SELECT subscription_id FROM notifications.webhook_deliveries WHERE event_id = $1`,
        [event.id],
      );
      expect(queued).toEqual([{ subscription_id: webhookId }]);

      // A failure streak is no change of what it wants.
      await warm();
      await db.dataSource.query(
        `UPDATE notifications.webhook_subscriptions SET failing_since = now() WHERE id = $1`,
        [webhookId],
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(kept().webhooks).toBeDefined();

      // Turned off: forgotten, and nothing more queued for it.
      await db.dataSource.query(
        `UPDATE notifications.webhook_subscriptions SET active = false WHERE id = $1`,
        [webhookId],
      );
      await waitFor(() => kept().webhooks === undefined);
      const later = anEvent();
      await unitOfWork.run(() => webhooks.queue(later));
      expect(
        await db.dataSource.query(
          `SELECT 1 FROM notifications.webhook_deliveries WHERE event_id = $1`,
          [later.id],
        ),
      ).toEqual([]);
    });
  });
});
