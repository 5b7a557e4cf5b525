import { createEnvelope, type EventEnvelope } from '@ajla/contracts';
import { newId } from '@ajla/shared-kernel';
import { waitFor } from '@ajla/testing';
import { ServiceHarness, type Account } from '../../../test/harness';
import { SMTP_PASSWORD, TestSmtpServer } from '../../../test/smtp-test-server';

jest.setTimeout(60_000);

/** Long enough never to pass on its own during the spec: the spec makes a digest due itself. */
const DIGEST_DELAY_MS = 600_000;

/** Mail out of the outbox to a real SMTP server, events in over a real RabbitMQ, on Postgres. */
describe('notification-service mail', () => {
  const harness = new ServiceHarness();
  const smtp = new TestSmtpServer();
  let client: Account;
  let agent: Account;
  let admin: Account;

  const emailOf = (account: Account) => `${account.id.slice(-8)}@ajla.test`;

  const deliver = async (...events: EventEnvelope[]) => {
    for (const event of events) harness.publish(event);
    for (const event of events) await harness.handled(event.id);
  };

  const registered = (account: Account) =>
    createEnvelope(
      'user.registered',
      {
        user_id: account.id,
        email: emailOf(account),
        full_name: `Name of ${account.role}`,
        role: account.role,
        tier: 5000,
        created_at: '2026-11-22T09:00:00.000Z',
      },
      { producer: 'user-service' },
    );

  const assigned = () =>
    createEnvelope(
      'request.assigned',
      {
        request_id: newId(),
        conversation_id: newId(),
        user_id: client.id,
        assignee_id: agent.id,
        previous_assignee_id: null,
        assigned_by: admin.id,
        status: 'assigned',
        updated_at: '2026-11-22T10:05:00.000Z',
      },
      { producer: 'request-service' },
    );

  const preferencesChanged = (
    account: Account,
    updatedAt: string,
    email: Record<string, boolean>,
  ) =>
    createEnvelope(
      'user.updated',
      {
        user_id: account.id,
        email: emailOf(account),
        full_name: `Name of ${account.role}`,
        role: account.role,
        tier: 5000,
        updated_at: updatedAt,
        changed: ['preferences'],
        notification_preferences: { email },
      },
      { producer: 'user-service' },
    );

  const staffReply = (conversationId: string, seq: number, content: string) =>
    createEnvelope(
      'message.created',
      {
        message_id: newId(),
        conversation_id: conversationId,
        // One request per conversation: the conversation's id stands in for it in this spec.
        request_id: conversationId,
        user_id: client.id,
        seq,
        sender_id: agent.id,
        sender_type: 'admin',
        content,
        client_id: null,
        created_at: '2026-11-22T10:00:00.000Z',
      },
      { producer: 'conversation-service' },
    );

  const mailRows = async (where: string, params: unknown[]) =>
    (
      await harness.sql.query(
        `SELECT m.* FROM notifications.mail_outbox m WHERE ${where} ORDER BY m.created_at`,
        params,
      )
    ).rows;

  /** Resolves once every mail row matching `where` is done (sent or skipped). */
  const allDone = (where: string, params: unknown[]) =>
    waitFor(async () => {
      const rows = await mailRows(where, params);
      return rows.length > 0 &&
        rows.every((row) => row.status !== 'pending' && row.status !== 'sending')
        ? rows
        : undefined;
    }, 15_000);

  beforeAll(async () => {
    await smtp.start();
    await harness.setUp('mail', {
      SMTP_URL: smtp.url,
      MAIL_FROM: 'AJLA Test <no-reply@ajla.test>',
      WEB_APP_URL: 'https://app.ajla.test',
      MAIL_DIGEST_DELAY_MS: String(DIGEST_DELAY_MS),
      MAIL_RETRY_DELAYS_MS: '200,400',
    });
    client = await harness.account('user');
    agent = await harness.account('agent');
    admin = await harness.account('admin');
    await deliver(registered(client), registered(agent), registered(admin));
  });

  afterAll(async () => {
    await harness.tearDown();
    await smtp.stop();
  });

  const submitted = (description: string) =>
    createEnvelope(
      'request.submitted',
      {
        request_id: newId(),
        user_id: client.id,
        type: 'dining',
        description,
        status: 'new',
        conversation_id: newId(),
        created_at: '2026-11-22T10:00:00.000Z',
      },
      { producer: 'request-service' },
    );

  it('mails every staff member one digest of the requests submitted meanwhile, even if an event comes twice', async () => {
    const first = submitted('A table for <four> & a view');
    const second = submitted('A quiet corner');
    await deliver(first, second);
    harness.publish(first);
    await harness.handled(first.id);
    // One digest waiting per staff member, due the delay after the first request.
    const where = `kind = 'new_requests' AND recipient_id = ANY($1) AND status = 'pending'`;
    const staff = [agent.id, admin.id];
    const pending = await mailRows(where, [staff]);
    expect(pending).toHaveLength(2);
    for (const row of pending) {
      expect(row.due_at.getTime() - row.since.getTime()).toBe(DIGEST_DELAY_MS);
    }
    // Both stored notifications of each staff member, one each: the in-app channel is unchanged.
    const { rows: notified } = await harness.sql.query(
      `SELECT recipient_id, count(*)::int AS count FROM notifications.notifications
        WHERE event_id = ANY($1) GROUP BY 1 ORDER BY 1`,
      [[first.id, second.id]],
    );
    expect(notified.map((row: { count: number }) => row.count)).toEqual([2, 2]);

    // The delay is over.
    const ids = pending.map((row) => row.id);
    await harness.sql.query(
      `UPDATE notifications.mail_outbox SET due_at = now() WHERE id = ANY($1)`,
      [ids],
    );
    const rows = await allDone(`id = ANY($1)`, [ids]);
    expect(rows.map((row) => row.status)).toEqual(['sent', 'sent']);
    expect(rows.every((row) => row.attempts === 1 && row.sent_at !== null)).toBe(true);

    for (const staffMember of [agent, admin]) {
      const mails = smtp.to(emailOf(staffMember));
      expect(mails).toHaveLength(1);
      expect(mails[0].subject).toBe('AJLA: 2 new requests');
      expect(mails[0].from?.text).toBe('"AJLA Test" <no-reply@ajla.test>');
      expect(mails[0].text).toContain('Clients have submitted 2 new requests:');
      expect(mails[0].text).toContain('- New dining request: A table for <four> & a view');
      expect(mails[0].html).toContain('A table for &lt;four&gt; &amp; a view');
      for (const event of [first, second]) {
        expect(mails[0].text).toContain(
          `https://app.ajla.test/staff/requests/${event.data.request_id}`,
        );
      }
    }
    expect(smtp.to(emailOf(client))).toHaveLength(0);
    const metrics = await fetch(`${harness.baseUrl}/metrics`).then((res) => res.text());
    expect(metrics).toMatch(/ajla_mails_total\{[^}]*outcome="sent"[^}]*\} [1-9]/);
  });

  it('lists only the requests a staff member has not read, and starts a new digest after one went out', async () => {
    const read = submitted('Already seen by the agent');
    const unread = submitted('Still waiting');
    await deliver(read);
    await harness.sql.query(
      `UPDATE notifications.notifications SET read_at = now()
        WHERE event_id = $1 AND recipient_id = $2`,
      [read.id, agent.id],
    );
    await deliver(unread);
    const where = `kind = 'new_requests' AND recipient_id = $1 AND status = 'pending'`;
    const [pending] = await mailRows(where, [agent.id]);
    await harness.sql.query(`UPDATE notifications.mail_outbox SET due_at = now() WHERE id = $1`, [
      pending.id,
    ]);
    await allDone(`id = $1`, [pending.id]);
    const digest = smtp.to(emailOf(agent)).find((mail) => mail.text?.includes('Still waiting'));
    expect(digest?.subject).toBe('AJLA: New dining request');
    expect(digest?.text).not.toContain('Already seen by the agent');

    // The next request after the digest went out waits for a digest of its own.
    const later = submitted('The next one');
    await deliver(later);
    expect(await mailRows(where, [agent.id])).toHaveLength(1);
    // Turned off in the agent's preferences: the digest is skipped.
    await deliver(
      preferencesChanged(agent, '2026-11-22T09:30:00.000Z', { 'request.submitted': false }),
    );
    const [next] = await mailRows(where, [agent.id]);
    await harness.sql.query(`UPDATE notifications.mail_outbox SET due_at = now() WHERE id = $1`, [
      next.id,
    ]);
    const [skipped] = await allDone(`id = $1`, [next.id]);
    expect(skipped.status).toBe('skipped');
    expect(smtp.to(emailOf(agent)).filter((mail) => mail.text?.includes('The next one'))).toEqual(
      [],
    );
    await deliver(preferencesChanged(agent, '2026-11-22T09:31:00.000Z', {}));
  });

  it('keeps a mail the server could not take and sends it once the server is back', async () => {
    await smtp.stop();
    const event = assigned();
    await deliver(event);
    const where = `notification_id IN (SELECT id FROM notifications.notifications WHERE event_id = $1)`;
    // Two failed attempts: the back-off ran at least once and the row is still there.
    const [failed] = await waitFor(async () => {
      const rows = await mailRows(where, [event.id]);
      return rows.length === 1 && rows[0].attempts >= 2 ? rows : undefined;
    }, 15_000);
    expect(failed.status).toBe('pending');
    expect(failed.last_error).toEqual(expect.any(String));
    expect(failed.last_error).not.toContain(SMTP_PASSWORD);

    await smtp.start();
    const [sent] = await allDone(where, [event.id]);
    expect(sent.status).toBe('sent');
    expect(sent.last_error).toBeNull();
    expect(
      smtp
        .to(emailOf(agent))
        .filter((mail) => mail.subject === 'AJLA: A request was assigned to you'),
    ).toHaveLength(1);
  });

  it('mails a client one digest of the unread staff replies of a conversation, after the delay', async () => {
    const conversationId = newId();
    await deliver(
      staffReply(conversationId, 2, 'Booked for 8 pm'),
      staffReply(conversationId, 3, 'The <terrace> table'),
    );
    const where = `kind = 'digest' AND conversation_id = $1`;
    const [pending] = await mailRows(where, [conversationId]);
    expect(pending).toMatchObject({ status: 'pending', recipient_id: client.id });
    expect(pending.due_at.getTime() - pending.since.getTime()).toBe(DIGEST_DELAY_MS);
    expect(await mailRows(where, [conversationId])).toHaveLength(1);

    // The delay is over.
    await harness.sql.query(`UPDATE notifications.mail_outbox SET due_at = now() WHERE ${where}`, [
      conversationId,
    ]);
    const [sent] = await allDone(where, [conversationId]);
    expect(sent.status).toBe('sent');
    const digests = smtp
      .to(emailOf(client))
      .filter((mail) => mail.text?.includes('Booked for 8 pm'));
    expect(digests).toHaveLength(1);
    expect(digests[0].subject).toBe('Your concierge sent you 2 messages');
    expect(digests[0].text).toContain('- Booked for 8 pm\n- The <terrace> table');
    expect(digests[0].html).toContain('<li>The &lt;terrace&gt; table</li>');
  });

  it('mails nothing when the client has read the replies before the digest is due', async () => {
    const conversationId = newId();
    await deliver(staffReply(conversationId, 2, 'Your car is waiting downstairs'));
    const read = await harness.call('POST', '/api/v1/notifications/read-all', { as: client });
    expect(read.status).toBe(204);

    const where = `kind = 'digest' AND conversation_id = $1`;
    await harness.sql.query(`UPDATE notifications.mail_outbox SET due_at = now() WHERE ${where}`, [
      conversationId,
    ]);
    const [done] = await allDone(where, [conversationId]);
    expect(done.status).toBe('skipped');
    expect(
      smtp.to(emailOf(client)).filter((mail) => mail.text?.includes('Your car is waiting')),
    ).toHaveLength(0);
  });

  it('mails nobody an event they turned off in their preferences; an older state does not undo it', async () => {
    const mailOf = (eventId: string) =>
      allDone(
        `notification_id IN (SELECT id FROM notifications.notifications WHERE event_id = $1)`,
        [eventId],
      );
    await deliver(
      preferencesChanged(agent, '2026-11-22T11:00:00.000Z', { 'request.assigned': false }),
      // Published before the one above, delivered after it.
      preferencesChanged(agent, '2026-11-22T10:59:00.000Z', {}),
    );
    const event = assigned();
    await deliver(event);
    const [row] = await mailOf(event.id);
    expect(row.status).toBe('skipped');
    expect(row.attempts).toBe(0);

    // Turned on again: mailed.
    await deliver(
      preferencesChanged(agent, '2026-11-22T11:01:00.000Z', { 'request.assigned': true }),
    );
    const again = assigned();
    await deliver(again);
    const [sent] = await mailOf(again.id);
    expect(sent.status).toBe('sent');
    expect(
      smtp
        .to(emailOf(agent))
        .filter((mail) => mail.text?.includes(`/requests/${event.data.request_id}`)),
    ).toHaveLength(0);
    expect(
      smtp
        .to(emailOf(agent))
        .filter((mail) => mail.text?.includes(`/requests/${again.data.request_id}`)),
    ).toHaveLength(1);
  });
});
