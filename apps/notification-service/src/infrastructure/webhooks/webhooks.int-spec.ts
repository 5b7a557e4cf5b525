import { createHmac } from 'node:crypto';
import { waitFor } from '@ajla/testing';
import { clientMessageEvent, submittedEvent } from '../../../test/events';
import { ServiceHarness, type Account } from '../../../test/harness';
import { WebhookReceiver } from '../../../test/webhook-receiver';

jest.setTimeout(60_000);

const submitted = (owner: Account) => submittedEvent(owner.id);

interface Delivery {
  id: string;
  event_id: string;
  status: string;
  attempts: { status_code: number | null; error: string | null; latency_ms: number }[];
}

/** Webhooks end to end inside the service: events in over RabbitMQ, POSTs out to a receiver. */
describe('webhooks (real Postgres, RabbitMQ and receiver)', () => {
  const harness = new ServiceHarness();
  const receiver = new WebhookReceiver();
  let admin: Account;
  let client: Account;

  const create = async (events: string[], url = receiver.url) => {
    const res = await harness.call('POST', '/api/v1/admin/webhooks', {
      as: admin,
      body: { url, events },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  };

  const deliveries = async (webhookId: string) => {
    const res = await harness.call('GET', `/api/v1/admin/webhooks/${webhookId}/deliveries`, {
      as: admin,
    });
    expect(res.status).toBe(200);
    return (res.body as { items: Delivery[] }).items;
  };

  beforeAll(async () => {
    await receiver.start();
    await harness.setUp('webhooks', {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_RETRY_DELAYS_MS: '200,200,200,200',
      WEBHOOK_TIMEOUT_MS: '500',
    });
    [admin, client] = await Promise.all([harness.account('admin'), harness.account('user')]);
  });

  afterAll(async () => {
    await harness.tearDown();
    await receiver.stop();
  });

  it('delivers an event signed both ways, and lists the delivery', async () => {
    const hook = await create(['request.submitted']);
    const event = submitted(client);
    harness.publish(event);
    const [got] = await waitFor(() => receiver.of(event.id).length > 0 && receiver.of(event.id));
    expect(JSON.parse(got.body)).toMatchObject({ id: event.id, type: 'request.submitted' });
    const deliveryId = got.headers['x-ajla-delivery'] as string;
    expect(got.headers['x-ajla-event']).toBe('request.submitted');
    expect(got.headers['webhook-id']).toBe(deliveryId);

    // X-Ajla-Signature: t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(
      got.headers['x-ajla-signature'] as string,
    )!;
    expect(v1).toBe(createHmac('sha256', hook.secret).update(`${t}.${got.body}`).digest('hex'));
    // Standard Webhooks: base64 HMAC-SHA256 of "<id>.<timestamp>.<body>", key = decoded secret.
    const key = Buffer.from(hook.secret.slice('whsec_'.length), 'base64');
    const timestamp = got.headers['webhook-timestamp'] as string;
    expect(got.headers['webhook-signature']).toBe(
      'v1,' +
        createHmac('sha256', key).update(`${deliveryId}.${timestamp}.${got.body}`).digest('base64'),
    );

    const [delivery] = await waitFor(async () => {
      const list = await deliveries(hook.id);
      return list[0]?.status === 'succeeded' && list;
    });
    expect(delivery).toMatchObject({
      id: deliveryId,
      event_id: event.id,
      status: 'succeeded',
      attempts: [{ status_code: 200, error: null }],
    });
    await harness.call('DELETE', `/api/v1/admin/webhooks/${hook.id}`, { as: admin });
  });

  it('retries a failed delivery with the same delivery id until the receiver takes it', async () => {
    const hook = await create(['*']);
    receiver.answerNext(500);
    const event = submitted(client);
    harness.publish(event);
    const tries = await waitFor(() => receiver.of(event.id).length >= 2 && receiver.of(event.id));
    expect(new Set(tries.map((r) => r.headers['x-ajla-delivery'])).size).toBe(1);
    const [delivery] = await waitFor(async () => {
      const list = await deliveries(hook.id);
      return list[0]?.status === 'succeeded' && list;
    });
    expect(delivery.attempts.map((a) => a.status_code)).toEqual([500, 200]);
    await harness.call('DELETE', `/api/v1/admin/webhooks/${hook.id}`, { as: admin });
  });

  it('marks a delivery failed once every retry is used up', async () => {
    const hook = await create(['request.submitted']);
    receiver.answerNext(503, 503, 503, 503, 503);
    const event = submitted(client);
    harness.publish(event);
    const [delivery] = await waitFor(async () => {
      const list = await deliveries(hook.id);
      return list[0]?.status === 'failed' && list;
    }, 15_000);
    expect(delivery.attempts.map((a) => a.status_code)).toEqual([503, 503, 503, 503, 503]);
    const metrics = await fetch(`${harness.baseUrl}/metrics`).then((res) => res.text());
    for (const outcome of ['succeeded', 'retried', 'failed']) {
      expect(metrics).toMatch(
        new RegExp(`ajla_webhook_attempts_total\\{[^}]*outcome="${outcome}"[^}]*\\} [1-9]`),
      );
    }
    await harness.call('DELETE', `/api/v1/admin/webhooks/${hook.id}`, { as: admin });
  });

  it('counts a redirect and a receiver that does not answer in time as failed attempts', async () => {
    const hook = await create(['request.submitted']);
    receiver.answerNext(302, 0);
    const event = submitted(client);
    harness.publish(event);
    const [delivery] = await waitFor(async () => {
      const list = await deliveries(hook.id);
      return list[0]?.status === 'succeeded' && list;
    }, 15_000);
    expect(delivery.attempts).toMatchObject([
      { status_code: 302, error: 'answered 302' },
      { status_code: null, error: 'no answer within 500 ms' },
      { status_code: 200, error: null },
    ]);
    // The redirect was not followed: three requests, each one attempt.
    expect(receiver.of(event.id)).toHaveLength(3);
    await harness.call('DELETE', `/api/v1/admin/webhooks/${hook.id}`, { as: admin });
  });

  it('sends only the events a webhook names, and nothing once it is deleted', async () => {
    const onlyMessages = await create(['message.created']);
    const everything = await create(['*']);
    const gone = await create(['request.submitted']);
    expect(
      (await harness.call('DELETE', `/api/v1/admin/webhooks/${gone.id}`, { as: admin })).status,
    ).toBe(204);
    const event = submitted(client);
    harness.publish(event);
    await harness.handled(event.id);
    await waitFor(async () => (await deliveries(everything.id))[0]?.status === 'succeeded');
    expect(await deliveries(onlyMessages.id)).toEqual([]);
    expect(
      (await harness.call('GET', `/api/v1/admin/webhooks/${gone.id}/deliveries`, { as: admin }))
        .status,
    ).toBe(404);
    // The one delivery of this event went to the `*` webhook.
    expect(receiver.of(event.id)).toHaveLength(1);
    for (const hook of [onlyMessages, everything]) {
      await harness.call('DELETE', `/api/v1/admin/webhooks/${hook.id}`, { as: admin });
    }
  });

  it("sends a client's message, which tells nobody in the app, to a webhook created a moment before", async () => {
    // No webhook wants messages: once the service has read that (the first event after a change
    // of the webhooks reads it), it knows it from memory and skips such an event.
    const first = clientMessageEvent(client.id);
    harness.publish(first);
    await harness.handled(first.id);
    const unwanted = clientMessageEvent(client.id);
    harness.publish(unwanted);
    await harness.handled(unwanted.id);
    const { rows: inbox } = await harness.sql.query(
      'SELECT 1 FROM notifications.inbox_messages WHERE event_id = $1',
      [unwanted.id],
    );
    expect(inbox).toEqual([]);

    // A webhook for messages comes: the very next message goes to it.
    const hook = await create(['message.created']);
    const wanted = clientMessageEvent(client.id);
    harness.publish(wanted);
    await harness.handled(wanted.id);
    await waitFor(async () => (await deliveries(hook.id))[0]?.status === 'succeeded');
    expect(receiver.of(wanted.id)).toHaveLength(1);
    expect(receiver.of(unwanted.id)).toHaveLength(0);
    await harness.call('DELETE', `/api/v1/admin/webhooks/${hook.id}`, { as: admin });
  });

  it('checks what an admin sends, and keeps the API to admins', async () => {
    for (const body of [
      { url: 'ftp://example.com/x', events: ['*'] },
      { url: 'not a url', events: ['*'] },
      { url: 'https://example.com/x', events: [] },
      { url: 'https://example.com/x', events: ['user.registered'] },
      { url: 'https://example.com/' + 'a'.repeat(2100), events: ['*'] },
      { url: 'https://user:pw@example.com/x', events: ['*'] },
      { url: 'https://example.com/x', events: ['*'], extra: 1 },
    ]) {
      const res = await harness.call('POST', '/api/v1/admin/webhooks', { as: admin, body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ detail: expect.any(String) });
    }
    const agent = await harness.account('agent');
    for (const caller of [client, agent]) {
      const res = await harness.call('GET', '/api/v1/admin/webhooks', { as: caller });
      expect(res.status).toBe(403);
    }
    const list = await harness.call('GET', '/api/v1/admin/webhooks', { as: admin });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    expect(
      (await harness.call('DELETE', '/api/v1/admin/webhooks/not-a-uuid', { as: admin })).status,
    ).toBe(404);
  });
});

describe('webhooks with the private-address guard on', () => {
  const harness = new ServiceHarness();
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await receiver.start();
    await harness.setUp('webhooks_guard', {
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_RETRY_DELAYS_MS: '100',
    });
  });

  afterAll(async () => {
    await harness.tearDown();
    await receiver.stop();
  });

  it('refuses to reach 127.0.0.1 or a name that resolves to it, and says why', async () => {
    const admin = await harness.account('admin');
    const client = await harness.account('user');
    const hooks: string[] = [];
    for (const url of [receiver.url, receiver.url.replace('127.0.0.1', 'localhost')]) {
      const res = await harness.call('POST', '/api/v1/admin/webhooks', {
        as: admin,
        body: { url, events: ['*'] },
      });
      hooks.push((res.body as { id: string }).id);
    }
    harness.publish(submitted(client));
    for (const id of hooks) {
      const [delivery] = await waitFor(async () => {
        const res = await harness.call('GET', `/api/v1/admin/webhooks/${id}/deliveries`, {
          as: admin,
        });
        const items = (res.body as { items: Delivery[] }).items;
        return items[0]?.status === 'failed' && items;
      });
      expect(delivery.attempts).toHaveLength(2);
      for (const attempt of delivery.attempts) {
        expect(attempt).toMatchObject({
          status_code: null,
          error: expect.stringMatching(/^refused: /),
        });
      }
    }
    expect(receiver.received).toEqual([]);
  });
});
