import { createDataSource, type ServiceDataSource } from '@ajla/platform';
import { newId } from '@ajla/shared-kernel';
import { migratedDatabase, type MigratedDatabase } from '@ajla/testing';
import { NOTIFICATIONS_SCHEMA, notificationServiceEntities } from '../persistence/entities';
import { notificationServiceMigrations } from '../persistence/migrations';
import { loadNotificationServiceConfig } from '../../config/notification-service.config';
import {
  NotificationRetention,
  pruneExpiredSecrets,
  pruneMailOutbox,
  pruneWebhookDeliveries,
  RETENTION_BATCH,
} from './notification-retention';

jest.setTimeout(60_000);

describe('notification retention (real Postgres)', () => {
  let db: MigratedDatabase<ServiceDataSource>;
  const sql = (text: string, parameters: unknown[] = []) => db.dataSource.query(text, parameters);

  beforeAll(async () => {
    db = await migratedDatabase('notifications_retention', (url) =>
      createDataSource({
        url,
        schema: NOTIFICATIONS_SCHEMA,
        entities: notificationServiceEntities,
        migrations: notificationServiceMigrations,
      }),
    );
  });

  afterAll(async () => {
    await db?.close();
  });

  /** `count` mails of `status`, due `dueDaysAgo` and (when sent) sent `sentDaysAgo` days ago. */
  async function mails(
    count: number,
    status: 'pending' | 'sent' | 'skipped',
    dueDaysAgo: number,
    sentDaysAgo: number | null,
  ): Promise<void> {
    await sql(
      `INSERT INTO notifications.mail_outbox
              (id, recipient_id, kind, notification_id, since, status, due_at, sent_at, created_at)
       SELECT gen_random_uuid(), gen_random_uuid(), 'notification', gen_random_uuid(), now(), $2,
              now() - make_interval(days => $3),
              CASE WHEN $4::int IS NULL THEN NULL ELSE now() - make_interval(days => $4::int) END,
              now() - make_interval(days => $3)
         FROM generate_series(1, $1)`,
      [count, status, dueDaysAgo, sentDaysAgo],
    );
  }

  const mailsLeft = async () =>
    (
      (await sql(
        `SELECT status, extract(day FROM now() - coalesce(sent_at, due_at))::int AS days,
                count(*)::int AS n
           FROM notifications.mail_outbox GROUP BY 1, 2 ORDER BY 1, 2`,
      )) as { status: string; days: number; n: number }[]
    ).map(({ status, days, n }) => `${status} ${days}d: ${n}`);

  it('deletes settled mail past the retention in batches; recent and pending mail stays', async () => {
    await mails(RETENTION_BATCH + 500, 'sent', 32, 31);
    await mails(200, 'skipped', 45, null);
    await mails(30, 'sent', 40, 29);
    await mails(20, 'sent', 0, 0);
    // Never sent, however old: a mail is never dropped.
    await mails(10, 'pending', 60, null);
    expect(await pruneMailOutbox(db.dataSource, 0)).toBe(0);
    expect(await pruneMailOutbox(db.dataSource, 30)).toBe(RETENTION_BATCH + 700);
    expect(await mailsLeft()).toEqual(['pending 60d: 10', 'sent 0d: 20', 'sent 29d: 30']);
    expect(await pruneMailOutbox(db.dataSource, 30)).toBe(0);
  });

  it('is safe with replicas pruning at the same time: every old mail deleted once', async () => {
    await sql('TRUNCATE notifications.mail_outbox');
    await mails(3 * RETENTION_BATCH, 'sent', 50, 50);
    await mails(5, 'sent', 1, 1);
    const counts = await Promise.all([1, 2, 3].map(() => pruneMailOutbox(db.dataSource, 30)));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(3 * RETENTION_BATCH);
    expect(await mailsLeft()).toEqual(['sent 1d: 5']);
  });

  it('deletes finished webhook deliveries past the retention; recent and pending ones stay', async () => {
    const webhook = newId();
    await sql(
      `INSERT INTO notifications.webhook_subscriptions (id, url, events, secret, created_at, created_by)
       VALUES ($1, 'https://example.com/hook', '{*}', 'v1.x.y.z', now(), $2)`,
      [webhook, newId()],
    );
    const delivery = async (
      label: string,
      status: string,
      createdDaysAgo: number,
      lastAttemptDaysAgo: number | null,
    ) =>
      sql(
        `INSERT INTO notifications.webhook_deliveries
                (id, subscription_id, event_id, event_type, envelope, status, due_at, created_at,
                 last_attempt_at)
         VALUES (gen_random_uuid(), $1, gen_random_uuid(), $2, '{}', $3, now(),
                 now() - make_interval(days => $4),
                 CASE WHEN $5::int IS NULL THEN NULL ELSE now() - make_interval(days => $5::int) END)`,
        [webhook, label, status, createdDaysAgo, lastAttemptDaysAgo],
      );
    await delivery('old succeeded', 'succeeded', 40, 39);
    await delivery('old failed', 'failed', 35, 31);
    // Stopped before any attempt (its webhook turned off): aged by its creation.
    await delivery('old stopped', 'failed', 33, null);
    await delivery('redelivered lately', 'succeeded', 60, 2);
    await delivery('recent failed', 'failed', 3, 1);
    await delivery('old pending', 'pending', 50, 45);
    expect(await pruneWebhookDeliveries(db.dataSource, 0)).toBe(0);
    expect(await pruneWebhookDeliveries(db.dataSource, 30)).toBe(3);
    const left: { event_type: string }[] = await sql(
      'SELECT event_type FROM notifications.webhook_deliveries ORDER BY event_type',
    );
    expect(left.map((row) => row.event_type)).toEqual([
      'old pending',
      'recent failed',
      'redelivered lately',
    ]);

    // Previous secrets: the expired ones go, those still in their overlap stay.
    for (const [secret, expiresIn] of [
      ['v1.expired.a.b', '-1 hour'],
      ['v1.expired.c.d', '-1 second'],
      ['v1.overlap.e.f', '1 hour'],
    ]) {
      await sql(
        `INSERT INTO notifications.webhook_previous_secrets (subscription_id, secret, expires_at, created_at)
         VALUES ($1, $2, now() + $3::interval, now())`,
        [webhook, secret, expiresIn],
      );
    }
    expect(await pruneExpiredSecrets(db.dataSource)).toBe(2);
    expect(await sql('SELECT secret FROM notifications.webhook_previous_secrets')).toEqual([
      { secret: 'v1.overlap.e.f' },
    ]);
  });

  it('runs every part with the configured retentions; 0 keeps mail and deliveries', async () => {
    await sql('TRUNCATE notifications.mail_outbox, notifications.webhook_subscriptions CASCADE');
    const webhook = newId();
    await sql(
      `INSERT INTO notifications.webhook_subscriptions (id, url, events, secret, created_at, created_by)
       VALUES ($1, 'https://example.com/hook', '{*}', 'v1.x.y.z', now(), $2)`,
      [webhook, newId()],
    );
    await mails(4, 'sent', 10, 10);
    await sql(
      `INSERT INTO notifications.webhook_deliveries
              (id, subscription_id, event_id, event_type, envelope, status, due_at, created_at,
               last_attempt_at)
       SELECT gen_random_uuid(), $1, gen_random_uuid(), 'x', '{}', 'succeeded', now(),
              now() - interval '20 days', now() - interval '20 days'
         FROM generate_series(1, 3)`,
      [webhook],
    );
    await sql(
      `INSERT INTO notifications.webhook_previous_secrets (subscription_id, secret, expires_at, created_at)
       VALUES ($1, 'v1.old.a.b', now() - interval '1 minute', now() - interval '1 day')`,
      [webhook],
    );
    const retention = (env: Record<string, string>) =>
      new NotificationRetention(loadNotificationServiceConfig(env), db.dataSource);
    expect(
      await retention({ MAIL_RETENTION_DAYS: '0', WEBHOOK_DELIVERY_RETENTION_DAYS: '0' }).prune(),
    ).toEqual({ mails: 0, deliveries: 0, secrets: 1 });
    expect(
      await retention({ MAIL_RETENTION_DAYS: '7', WEBHOOK_DELIVERY_RETENTION_DAYS: '30' }).prune(),
    ).toEqual({ mails: 4, deliveries: 0, secrets: 0 });
    expect(await retention({ WEBHOOK_DELIVERY_RETENTION_DAYS: '14' }).prune()).toEqual({
      mails: 0,
      deliveries: 3,
      secrets: 0,
    });
  });
});
