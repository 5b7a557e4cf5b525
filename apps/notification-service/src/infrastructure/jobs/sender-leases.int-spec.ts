import { randomUUID } from 'node:crypto';
import { createEnvelope, type EventEnvelope } from '@ajla/contracts';
import { waitFor } from '@ajla/testing';
import { submittedEvent } from '../../../test/events';
import { ServiceHarness, type Account } from '../../../test/harness';
import { TestSmtpServer } from '../../../test/smtp-test-server';
import { WebhookReceiver } from '../../../test/webhook-receiver';

jest.setTimeout(90_000);

/** Long enough never to pass on its own during the spec: the spec makes a digest due itself. */
const DIGEST_DELAY_MS = 600_000;

interface MailRow {
  id: string;
  status: string;
  attempts: number;
  since: Date;
  claim_token: string | null;
}

/**
 * The senders' leases (DueRowsWorker): a row is claimed in a short transaction and sent with no
 * transaction open and no row lock held, on a real Postgres, RabbitMQ, SMTP server and receiver.
 */
describe('senders with leases (real Postgres, RabbitMQ, SMTP server and receiver)', () => {
  const harness = new ServiceHarness();
  const smtp = new TestSmtpServer();
  const receiver = new WebhookReceiver();
  let client: Account;
  let agent: Account;
  let admin: Account;
  let release: (() => void) | undefined;

  const registered = (account: Account) =>
    createEnvelope(
      'user.registered',
      {
        user_id: account.id,
        email: `${account.id.slice(-8)}@ajla.test`,
        full_name: `Name of ${account.role}`,
        role: account.role,
        tier: 5000,
        created_at: '2026-11-22T09:00:00.000Z',
      },
      { producer: 'user-service' },
    );

  const deliver = async (...events: EventEnvelope[]) => {
    for (const event of events) harness.publish(event);
    for (const event of events) await harness.handled(event.id);
  };

  const digests = async (): Promise<MailRow[]> =>
    (
      await harness.sql.query(
        `SELECT id, status, attempts, since, claim_token FROM notifications.mail_outbox
          WHERE kind = 'new_requests' AND recipient_id = $1 ORDER BY created_at, since`,
        [agent.id],
      )
    ).rows;

  /**
   * The sessions on the service's database idle in an open transaction since before `sinceMs` (a
   * moment of the send, some 200 ms back when it is asked: short transactions between their
   * statements do not count, one held open across the send does).
   */
  const idleInTransactionSince = async (sinceMs: number): Promise<number> => {
    await new Promise((resolve) => setTimeout(resolve, 200));
    return (
      await harness.sql.query(
        `SELECT count(*)::int AS count FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()
            AND state LIKE 'idle in transaction%' AND state_change < to_timestamp($1 / 1000.0)`,
        [sinceMs],
      )
    ).rows[0].count;
  };

  /** Whether another session can lock `id` at once (no sender holds its row lock). */
  const lockable = async (table: string, id: string): Promise<boolean> => {
    await harness.sql.query('BEGIN');
    try {
      await harness.sql.query(
        `SELECT 1 FROM notifications.${table} WHERE id = $1 FOR UPDATE NOWAIT`,
        [id],
      );
      return true;
    } catch {
      return false;
    } finally {
      await harness.sql.query('ROLLBACK');
    }
  };

  const mailsWith = (text: string) =>
    smtp.to(`${agent.id.slice(-8)}@ajla.test`).filter((mail) => mail.text?.includes(text));

  beforeAll(async () => {
    await smtp.start();
    await receiver.start();
    await harness.setUp('leases', {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'AJLA Test <no-reply@ajla.test>',
      WEB_APP_URL: 'https://app.ajla.test',
      MAIL_DIGEST_DELAY_MS: String(DIGEST_DELAY_MS),
      MAIL_RETRY_DELAYS_MS: '200,400',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_RETRY_DELAYS_MS: '200,200',
      WEBHOOK_TIMEOUT_MS: '5000',
    });
    client = await harness.account('user');
    agent = await harness.account('agent');
    admin = await harness.account('admin');
    await deliver(registered(client), registered(agent));
  });

  afterAll(async () => {
    release?.();
    await harness.tearDown();
    await receiver.stop();
    await smtp.stop();
  });

  const submitted = (description: string) => {
    const event = submittedEvent(client.id);
    return { ...event, data: { ...event.data, description } } as EventEnvelope;
  };

  it('sends a digest holding no lock nor transaction: a request meanwhile starts a new digest without waiting', async () => {
    await deliver(submitted('The first request'));
    const [first] = await digests();
    expect(first.status).toBe('pending');

    release = smtp.hold();
    await harness.sql.query(`UPDATE notifications.mail_outbox SET due_at = now() WHERE id = $1`, [
      first.id,
    ]);
    // The SMTP server has the mail and does not answer: the send is open.
    await waitFor(() => smtp.held > 0, 10_000);
    const [sending] = await digests();
    expect(sending).toMatchObject({ id: first.id, status: 'sending' });
    expect(sending.claim_token).not.toBeNull();

    // (b) No session of the service sits in a transaction, and the row is not locked.
    expect(await idleInTransactionSince(Date.now())).toBe(0);
    expect(smtp.held).toBeGreaterThan(0);
    expect(await lockable('mail_outbox', first.id)).toBe(true);

    // (a) A request for the same staff member is stored while the send is still open (its
    // statement upserts the pending digest under the seq locks: it would wait for the row lock).
    const second = submitted('The second request');
    await deliver(second);
    expect(smtp.held).toBeGreaterThan(0);
    const during = await digests();
    expect(during.map((row) => row.status)).toEqual(['sending', 'pending']);
    const [notified] = (
      await harness.sql.query(
        `SELECT created_at FROM notifications.notifications
          WHERE event_id = $1 AND recipient_id = $2`,
        [second.id, agent.id],
      )
    ).rows as { created_at: Date }[];
    // The new digest covers the request that started it.
    expect(during[1].since.getTime()).toBeLessThanOrEqual(notified.created_at.getTime());

    release();
    release = undefined;
    const after = await waitFor(async () => {
      const rows = await digests();
      return rows[0].status === 'sent' && rows;
    }, 15_000);
    expect(after[0]).toMatchObject({ status: 'sent', attempts: 1, claim_token: null });
    expect(after[1].status).toBe('pending');
    expect(mailsWith('The first request')).toHaveLength(1);
  });

  it('claims again a row whose lease expired (its sender died), sends it once, and leaves a live lease alone', async () => {
    const [, pending] = await digests();
    const mailsBefore = smtp.to(`${agent.id.slice(-8)}@ajla.test`).length;
    // Another sender's claim, never finished: it died with its lease expired.
    await harness.sql.query(
      `UPDATE notifications.mail_outbox
          SET status = 'sending', claim_token = $2, claimed_until = now() - interval '1 second',
              due_at = now()
        WHERE id = $1`,
      [pending.id, randomUUID()],
    );
    // A claim still within its lease, for a digest of a further request.
    const third = submitted('The third request');
    await deliver(third);
    const [, , live] = await digests();
    const liveToken = randomUUID();
    await harness.sql.query(
      `UPDATE notifications.mail_outbox
          SET status = 'sending', claim_token = $2, claimed_until = now() + interval '1 hour',
              due_at = now()
        WHERE id = $1`,
      [live.id, liveToken],
    );

    const done = await waitFor(async () => {
      const rows = await digests();
      return rows[1].status === 'sent' && rows;
    }, 15_000);
    expect(done[1]).toMatchObject({ status: 'sent', attempts: 1, claim_token: null });
    expect(mailsWith('The second request')).toHaveLength(1);
    // Claimed in the same statement as the expired one, had its lease been ignored.
    expect(done[2]).toMatchObject({ status: 'sending', claim_token: liveToken });
    // The reclaimed digest lists every unread request since its start, the third one too (a
    // repeat is possible: at least once); the live claim's digest was not sent on its own.
    expect(mailsWith('The second request')).toHaveLength(1);
    expect(smtp.to(`${agent.id.slice(-8)}@ajla.test`)).toHaveLength(mailsBefore + 1);
  });

  it('POSTs webhooks holding no transaction, and two replicas never send one delivery twice', async () => {
    const res = await harness.call('POST', '/api/v1/admin/webhooks', {
      as: admin,
      body: { url: receiver.url, events: ['request.submitted'] },
    });
    expect(res.status).toBe(201);
    const hook = res.body as { id: string };
    const replica = await harness.replica();
    try {
      receiver.delayMs = 600;
      const events = Array.from({ length: 30 }, (_, i) => submitted(`Hook ${i}`));
      await deliver(...events);

      // (b) While POSTs are open, no session sits in a transaction.
      await waitFor(() => receiver.inFlight > 0, 10_000);
      expect(await idleInTransactionSince(Date.now())).toBe(0);
      const { rows: sending } = await harness.sql.query(
        `SELECT id FROM notifications.webhook_deliveries
          WHERE subscription_id = $1 AND status = 'sending' LIMIT 1`,
        [hook.id],
      );
      if (sending.length > 0) {
        expect(await lockable('webhook_deliveries', sending[0].id as string)).toBe(true);
      }

      const rows = await waitFor(async () => {
        const { rows: all } = await harness.sql.query(
          `SELECT id, status, attempts FROM notifications.webhook_deliveries
            WHERE subscription_id = $1`,
          [hook.id],
        );
        return all.length === 30 && all.every((row) => row.status === 'succeeded') && all;
      }, 30_000);
      // (d) Each delivery POSTed exactly once, though both instances poll every 100 ms while
      // each POST takes 600 ms.
      for (const row of rows as { id: string; attempts: number }[]) {
        expect(row.attempts).toBe(1);
        expect(receiver.ofDelivery(row.id)).toHaveLength(1);
      }
      // The API lists only its own statuses.
      const listed = await harness.call('GET', `/api/v1/admin/webhooks/${hook.id}/deliveries`, {
        as: admin,
      });
      expect(listed.status).toBe(200);
    } finally {
      receiver.delayMs = 0;
      await replica.close();
    }
  });

  it('lists a delivery being sent as pending', async () => {
    const { rows } = await harness.sql.query(
      `UPDATE notifications.webhook_deliveries
          SET status = 'sending', claim_token = $1, claimed_until = now() + interval '1 hour'
        WHERE id = (SELECT id FROM notifications.webhook_deliveries ORDER BY created_at DESC LIMIT 1)
        RETURNING id, subscription_id`,
      [randomUUID()],
    );
    const { id, subscription_id: hookId } = rows[0] as { id: string; subscription_id: string };
    const listed = await harness.call('GET', `/api/v1/admin/webhooks/${hookId}/deliveries`, {
      as: admin,
    });
    expect(listed.status).toBe(200);
    const items = (listed.body as { items: { id: string; status: string }[] }).items;
    expect(items.find((item) => item.id === id)?.status).toBe('pending');
  });
});
