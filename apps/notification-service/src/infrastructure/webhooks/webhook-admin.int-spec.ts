import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createEnvelope } from '@ajla/contracts';
import { newId } from '@ajla/shared-kernel';
import { waitFor } from '@ajla/testing';
import { simpleParser } from 'mailparser';
import { submittedEvent } from '../../../test/events';
import { ServiceHarness, type Account } from '../../../test/harness';
import { NotificationSocket } from '../../../test/notification-socket';
import { type Received, WebhookReceiver } from '../../../test/webhook-receiver';

jest.setTimeout(60_000);

/** Every failure streak of this run turns its webhook off after this long. */
const DISABLE_AFTER_MS = 1500;

const submitted = (owner: Account) => submittedEvent(owner.id);

const registered = (account: Account) =>
  createEnvelope(
    'user.registered',
    {
      user_id: account.id,
      email: `${account.id.slice(-8)}@ajla.test`,
      full_name: `Staff ${account.id.slice(-4)}`,
      role: account.role,
      tier: 5000,
      created_at: '2026-11-22T09:00:00.000Z',
    },
    { producer: 'user-service' },
  );

/** The t of X-Ajla-Signature (`t=<t>,v1=<hex>[,v1=<hex>...]`) and its hex signatures. */
function ajlaSignatures(got: Received): { t: string; v1: string[] } {
  const [t, ...v1] = (got.headers['x-ajla-signature'] as string).split(',');
  expect(t).toMatch(/^t=\d+$/);
  for (const part of v1) expect(part).toMatch(/^v1=[0-9a-f]{64}$/);
  return { t: t.slice('t='.length), v1: v1.map((part) => part.slice('v1='.length)) };
}

const ajlaSignature = (secret: string, t: string, body: string) =>
  createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

const standardSignature = (secret: string, got: Received) =>
  'v1,' +
  createHmac('sha256', Buffer.from(secret.slice('whsec_'.length), 'base64'))
    .update(`${got.headers['webhook-id']}.${got.headers['webhook-timestamp']}.${got.body}`)
    .digest('base64');

/** What an admin does to webhooks beyond making them, and what the service does on its own. */
describe('webhooks: change, rotate, redeliver, test, turn off (real Postgres, RabbitMQ, receivers)', () => {
  const harness = new ServiceHarness();
  const receivers: WebhookReceiver[] = [];
  let admin: Account;
  let client: Account;

  const receiver = async () => {
    const started = new WebhookReceiver();
    await started.start();
    receivers.push(started);
    return started;
  };

  const call = (method: string, url: string, body?: unknown, as: Account = admin) =>
    harness.call(method, url, { as, body });

  const create = async (url: string, events: string[] = ['request.submitted']) => {
    const res = await call('POST', '/api/v1/admin/webhooks', { url, events });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  };

  const deliveries = async (webhookId: string): Promise<any[]> => {
    const res = await call('GET', `/api/v1/admin/webhooks/${webhookId}/deliveries`);
    expect(res.status).toBe(200);
    return res.body.items;
  };

  const deliveryOf = (webhookId: string, eventId: string, status?: string) =>
    waitFor(async () =>
      (await deliveries(webhookId)).find(
        (d) => d.event_id === eventId && (status === undefined || d.status === status),
      ),
    );

  const webhook = async (id: string) => {
    const res = await call('GET', '/api/v1/admin/webhooks?page_size=100');
    return (res.body.items as any[]).find((w) => w.id === id);
  };

  beforeAll(async () => {
    await harness.setUp('webhook_admin', {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_RETRY_DELAYS_MS: '200,200',
      WEBHOOK_TIMEOUT_MS: '500',
      WEBHOOK_DISABLE_AFTER_MS: String(DISABLE_AFTER_MS),
    });
    [admin, client] = await Promise.all([harness.account('admin'), harness.account('user')]);
  });

  afterAll(async () => {
    await harness.tearDown();
    await Promise.all(receivers.map((r) => r.stop()));
  });

  it('changes the URL and events, and sends nothing while the webhook is off', async () => {
    const [first, second] = [await receiver(), await receiver()];
    const hook = await create(first.url, ['message.created']);

    const changed = await call('PATCH', `/api/v1/admin/webhooks/${hook.id}`, {
      events: ['request.submitted', 'request.submitted'],
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({
      id: hook.id,
      url: first.url,
      events: ['request.submitted'],
      active: true,
      created_at: expect.any(String),
      disabled_at: null,
      disabled_reason: null,
    });
    const one = submitted(client);
    harness.publish(one);
    await waitFor(() => first.of(one.id).length === 1);

    expect(
      (await call('PATCH', `/api/v1/admin/webhooks/${hook.id}`, { url: second.url })).body,
    ).toMatchObject({ url: second.url });
    const two = submitted(client);
    harness.publish(two);
    await deliveryOf(hook.id, two.id, 'succeeded');
    expect(second.of(two.id)).toHaveLength(1);
    expect(first.of(two.id)).toHaveLength(0);

    const off = await call('PATCH', `/api/v1/admin/webhooks/${hook.id}`, { active: false });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({
      active: false,
      disabled_at: expect.any(String),
      disabled_reason: 'turned off by an admin',
    });
    const three = submitted(client);
    harness.publish(three);
    await harness.handled(three.id);
    expect((await deliveries(hook.id)).map((d) => d.event_id)).not.toContain(three.id);

    const on = await call('PATCH', `/api/v1/admin/webhooks/${hook.id}`, { active: true });
    expect(on.body).toMatchObject({ active: true, disabled_at: null, disabled_reason: null });
    const four = submitted(client);
    harness.publish(four);
    await deliveryOf(hook.id, four.id, 'succeeded');
    // The event sent while it was off never arrives.
    expect(second.of(three.id)).toHaveLength(0);
  });

  it('refuses a bad change with 400, an unknown webhook with 404, and anyone but an admin', async () => {
    const hook = await create('https://example.com/hooks');
    const url = `/api/v1/admin/webhooks/${hook.id}`;
    for (const body of [
      { url: 'ftp://example.com/x' },
      { url: 'https://user:pw@example.com/x' },
      { url: 'https://example.com/' + 'a'.repeat(2100) },
      { events: [] },
      { events: ['user.registered'] },
      { active: 'yes' },
      { active: true, extra: 1 },
    ]) {
      const res = await call('PATCH', url, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ detail: expect.any(String) });
    }
    expect((await webhook(hook.id)).url).toBe('https://example.com/hooks');
    expect(
      (await call('PATCH', `/api/v1/admin/webhooks/${newId()}`, { active: false })).status,
    ).toBe(404);
    expect(
      (await call('PATCH', '/api/v1/admin/webhooks/not-a-uuid', { active: false })).status,
    ).toBe(404);
    const agent = await harness.account('agent');
    for (const caller of [client, agent]) {
      expect((await call('PATCH', url, { active: false }, caller)).status).toBe(403);
      expect((await call('POST', `${url}/rotate-secret`, {}, caller)).status).toBe(403);
      expect((await call('POST', `${url}/test`, undefined, caller)).status).toBe(403);
    }
    expect((await webhook(hook.id)).active).toBe(true);
    await call('DELETE', url);
  });

  it('signs with both secrets during the overlap after a rotation, then with the new one only', async () => {
    const to = await receiver();
    const hook = await create(to.url);
    const rotated = await call('POST', `/api/v1/admin/webhooks/${hook.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      previous_secret_expires_at: expect.any(String),
    });
    const newSecret = rotated.body.secret as string;
    expect(newSecret).not.toBe(hook.secret);
    // WEBHOOK_SECRET_OVERLAP_MS: a day by default.
    const overlap = Date.parse(rotated.body.previous_secret_expires_at) - Date.now();
    expect(overlap).toBeGreaterThan(86_400_000 - 60_000);
    expect(overlap).toBeLessThanOrEqual(86_400_000);
    // The old secret is kept as the current one is.
    const { rows } = await harness.sql.query(
      'SELECT secret FROM notifications.webhook_previous_secrets WHERE subscription_id = $1',
      [hook.id],
    );
    expect(rows).toEqual([{ secret: hook.secret }]);

    const during = submitted(client);
    harness.publish(during);
    const [got] = await waitFor(() => to.of(during.id).length > 0 && to.of(during.id));
    const { t, v1 } = ajlaSignatures(got);
    expect(v1).toEqual([
      ajlaSignature(newSecret, t, got.body),
      ajlaSignature(hook.secret, t, got.body),
    ]);
    expect(got.headers['webhook-signature']).toBe(
      `${standardSignature(newSecret, got)} ${standardSignature(hook.secret, got)}`,
    );

    // A second rotation with a short overlap: it holds for the older secret too.
    const again = await call('POST', `/api/v1/admin/webhooks/${hook.id}/rotate-secret`, {
      overlap_ms: 300,
    });
    expect(again.status).toBe(200);
    const newest = again.body.secret as string;
    const expiresAt = Date.parse(again.body.previous_secret_expires_at);
    await waitFor(() => Date.now() > expiresAt + 100);
    const after = submitted(client);
    harness.publish(after);
    const [late] = await waitFor(() => to.of(after.id).length > 0 && to.of(after.id));
    const signed = ajlaSignatures(late);
    expect(signed.v1).toEqual([ajlaSignature(newest, signed.t, late.body)]);
    expect(late.headers['webhook-signature']).toBe(standardSignature(newest, late));

    // overlap_ms 0: the old secret stops signing at once.
    const now = await call('POST', `/api/v1/admin/webhooks/${hook.id}/rotate-secret`, {
      overlap_ms: 0,
    });
    expect(now.body.previous_secret_expires_at).toBeNull();
    const last = submitted(client);
    harness.publish(last);
    const [latest] = await waitFor(() => to.of(last.id).length > 0 && to.of(last.id));
    expect(latest.headers['webhook-signature']).toBe(standardSignature(now.body.secret, latest));

    for (const body of [
      { overlap_ms: -1 },
      { overlap_ms: 604_800_001 },
      { overlap_ms: '1' },
      { x: 1 },
    ]) {
      const res = await call('POST', `/api/v1/admin/webhooks/${hook.id}/rotate-secret`, body);
      expect(res.status).toBe(400);
    }
    expect((await call('POST', `/api/v1/admin/webhooks/${newId()}/rotate-secret`)).status).toBe(
      404,
    );
    expect(JSON.stringify((await call('GET', '/api/v1/admin/webhooks')).body)).not.toContain(
      'whsec_',
    );
  });

  it('redelivers a finished delivery now with the same id and a fresh schedule', async () => {
    const to = await receiver();
    const hook = await create(to.url);
    const other = await create(to.url, ['message.created']);
    to.answerNext(500, 500, 500);
    const event = submitted(client);
    harness.publish(event);
    const failed = await deliveryOf(hook.id, event.id, 'failed');
    expect(failed.attempts.map((a: any) => a.status_code)).toEqual([500, 500, 500]);

    const redeliver = (webhookId: string, deliveryId: string, body?: unknown) =>
      call('POST', `/api/v1/admin/webhooks/${webhookId}/deliveries/${deliveryId}/redeliver`, body);
    // A fresh schedule: failing again, it is retried as often as a new one.
    to.answerNext(500, 500);
    const again = await redeliver(hook.id, failed.id);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: failed.id, event_id: event.id, status: 'pending' });
    const done = await deliveryOf(hook.id, event.id, 'succeeded');
    expect(done.attempts.map((a: any) => a.status_code)).toEqual([500, 500, 500, 500, 500, 200]);
    expect(to.ofDelivery(failed.id)).toHaveLength(6);

    // A succeeded one may be sent again too.
    expect((await redeliver(hook.id, failed.id)).status).toBe(202);
    await waitFor(() => to.ofDelivery(failed.id).length === 7);
    await deliveryOf(hook.id, event.id, 'succeeded');

    // Someone else's delivery, an unknown one, a bad id: 404; a body: 400.
    expect((await redeliver(other.id, failed.id)).status).toBe(404);
    expect((await redeliver(hook.id, newId())).status).toBe(404);
    expect((await redeliver(hook.id, 'not-a-uuid')).status).toBe(404);
    expect((await redeliver(newId(), failed.id)).status).toBe(404);
    expect((await redeliver(hook.id, failed.id, { now: true })).status).toBe(400);

    // Still waiting for a retry: 409.
    await harness.sql.query(
      `UPDATE notifications.webhook_deliveries SET status = 'pending', due_at = now() + interval '1 hour' WHERE id = $1`,
      [failed.id],
    );
    const pending = await redeliver(hook.id, failed.id);
    expect(pending.status).toBe(409);
    expect(pending.body).toMatchObject({ detail: 'the delivery is still pending' });

    // The webhook off: 409 too, until it is on again.
    await call('PATCH', `/api/v1/admin/webhooks/${hook.id}`, { active: false });
    const stopped = (await deliveries(hook.id)).find((d) => d.id === failed.id);
    expect(stopped.status).toBe('failed');
    expect((await redeliver(hook.id, failed.id)).status).toBe(409);
    await call('PATCH', `/api/v1/admin/webhooks/${hook.id}`, { active: true });
    expect((await redeliver(hook.id, failed.id)).status).toBe(202);
    await waitFor(() => to.ofDelivery(failed.id).length === 8);
  });

  it('sends a signed webhook.test event through the normal path, retried like any other', async () => {
    const to = await receiver();
    const hook = await create(to.url);
    to.answerNext(503);
    const res = await call('POST', `/api/v1/admin/webhooks/${hook.id}/test`);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      id: expect.any(String),
      event_id: expect.any(String),
      event_type: 'webhook.test',
      status: 'pending',
      attempts: [],
      next_attempt_at: expect.any(String),
      created_at: expect.any(String),
    });
    const done = await deliveryOf(hook.id, res.body.event_id, 'succeeded');
    expect(done.attempts.map((a: any) => a.status_code)).toEqual([503, 200]);
    const tries = to.ofDelivery(res.body.id);
    expect(tries).toHaveLength(2);
    const got = tries[1];
    expect(got.headers['x-ajla-event']).toBe('webhook.test');
    expect(JSON.parse(got.body)).toMatchObject({
      id: res.body.event_id,
      type: 'webhook.test',
      version: 1,
      producer: 'notification-service',
      data: { webhook_id: hook.id },
    });
    const { t, v1 } = ajlaSignatures(got);
    expect(v1).toEqual([ajlaSignature(hook.secret, t, got.body)]);
    expect(got.headers['webhook-signature']).toBe(standardSignature(hook.secret, got));

    expect(
      (await call('POST', `/api/v1/admin/webhooks/${hook.id}/test`, { type: 'x' })).status,
    ).toBe(400);
    expect((await call('POST', `/api/v1/admin/webhooks/${newId()}/test`)).status).toBe(404);
    expect((await call('POST', '/api/v1/admin/webhooks/nope/test')).status).toBe(404);
    await call('PATCH', `/api/v1/admin/webhooks/${hook.id}`, { active: false });
    expect((await call('POST', `/api/v1/admin/webhooks/${hook.id}/test`)).status).toBe(409);
  });

  it('turns off a webhook failing for too long, stops its deliveries and tells every admin', async () => {
    const [otherAdmin, agent] = await Promise.all([
      harness.account('admin'),
      harness.account('agent'),
    ]);
    for (const account of [admin, otherAdmin, agent]) {
      const event = registered(account);
      harness.publish(event);
      await harness.handled(event.id);
    }
    const socket = await NotificationSocket.open(harness.wsUrl, admin);
    const failing = await receiver();
    failing.otherwise = 500;
    const hook = await create(failing.url);

    const first = submitted(client);
    harness.publish(first);
    await deliveryOf(hook.id, first.id, 'failed');
    expect((await webhook(hook.id)).active).toBe(true);
    const [{ failing_since }] = (
      await harness.sql.query(
        'SELECT failing_since FROM notifications.webhook_subscriptions WHERE id = $1',
        [hook.id],
      )
    ).rows;
    expect(failing_since).toBeInstanceOf(Date);
    // Past the period, the next failed attempt turns it off.
    await waitFor(() => Date.now() > failing_since.getTime() + DISABLE_AFTER_MS + 100);
    const second = submitted(client);
    harness.publish(second);

    const off = await waitFor(async () => {
      const found = await webhook(hook.id);
      return found.active === false && found;
    });
    expect(off).toMatchObject({
      disabled_at: expect.any(String),
      disabled_reason: expect.stringMatching(/^every delivery failed, with no success since /),
    });
    // Its pending delivery stopped after one attempt, not retried.
    const stopped = await deliveryOf(hook.id, second.id, 'failed');
    expect(stopped.attempts).toHaveLength(1);
    expect(failing.of(second.id)).toHaveLength(1);

    // Every admin is told, live and listed; the agent is not.
    const [live] = await socket.waitFor(
      () =>
        socket.notifications().filter((n) => n.type === 'webhook.disabled').length > 0 &&
        socket.notifications().filter((n) => n.type === 'webhook.disabled'),
      'the webhook.disabled notification',
    );
    expect(live).toMatchObject({
      type: 'webhook.disabled',
      title: 'A webhook was turned off',
      body: expect.stringContaining(`Every delivery to ${new URL(failing.url).origin} failed for`),
      data: { webhook_id: hook.id },
      read_at: null,
    });
    socket.close();
    for (const [who, count] of [
      [admin, 1],
      [otherAdmin, 1],
      [agent, 0],
    ] as const) {
      const listed = await call('GET', '/api/v1/notifications', undefined, who);
      expect(listed.body.items.filter((n: any) => n.type === 'webhook.disabled')).toHaveLength(
        count,
      );
    }
    // And mailed, to each admin once.
    const mails = await waitFor(async () => {
      const found = [];
      for (const file of readdirSync(harness.mailDropDir)) {
        const mail = await simpleParser(readFileSync(path.join(harness.mailDropDir, file)));
        if (mail.subject === 'AJLA: A webhook was turned off') found.push(mail);
      }
      return found.length >= 2 && found;
    });
    expect(mails.map((m) => [m.to].flat()[0]?.text).sort()).toEqual(
      [admin, otherAdmin].map((a) => `${a.id.slice(-8)}@ajla.test`).sort(),
    );
    expect(mails[0].text).toContain(
      'A webhook was turned off because its deliveries kept failing:',
    );

    // Off: a new event is not queued for it.
    const third = submitted(client);
    harness.publish(third);
    await harness.handled(third.id);
    expect((await deliveries(hook.id)).map((d) => d.event_id)).not.toContain(third.id);

    // On again: its streak is forgotten, and what was stopped can be sent again.
    failing.otherwise = 200;
    const on = await call('PATCH', `/api/v1/admin/webhooks/${hook.id}`, { active: true });
    expect(on.body).toMatchObject({ active: true, disabled_at: null, disabled_reason: null });
    const { rows } = await harness.sql.query(
      'SELECT failing_since FROM notifications.webhook_subscriptions WHERE id = $1',
      [hook.id],
    );
    expect(rows).toEqual([{ failing_since: null }]);
    const res = await call(
      'POST',
      `/api/v1/admin/webhooks/${hook.id}/deliveries/${stopped.id}/redeliver`,
    );
    expect(res.status).toBe(202);
    await deliveryOf(hook.id, second.id, 'succeeded');
    // Told once: turning it off again later would be a new notice, not this one twice.
    const listed = await call('GET', '/api/v1/notifications', undefined, admin);
    expect(listed.body.items.filter((n: any) => n.type === 'webhook.disabled')).toHaveLength(1);
  });
});
