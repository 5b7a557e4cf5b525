import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminTokens, api, expectErrorBody, newClient, newStaff, UUID } from '../support/api';
import { submitRequest } from '../support/requests';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** Polls until `pick` finds something, or fails after `timeoutMs`. */
async function eventually<T>(
  pick: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await pick();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('not seen in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('webhooks (through the gateway)', () => {
  const received: Received[] = [];
  let server: Server;
  let receiverUrl: string;
  let rootAdmin: string;

  beforeAll(async () => {
    // A real receiver on 127.0.0.1 (the e2e run allows private targets), answering 200.
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.end('thanks');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ajla`;
    rootAdmin = (await adminTokens()).access_token;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('signs and delivers a submitted request to an admin-made webhook, and lists the delivery', async () => {
    const created = await api('POST', '/api/v1/admin/webhooks', {
      token: rootAdmin,
      body: { url: receiverUrl, events: ['request.submitted'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID),
      url: receiverUrl,
      events: ['request.submitted'],
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      active: true,
      created_at: expect.any(String),
      disabled_at: null,
      disabled_reason: null,
    });
    const { id, secret } = created.body;

    const listed = await api('GET', '/api/v1/admin/webhooks?page_size=100', { token: rootAdmin });
    expect(listed.status).toBe(200);
    const mine = listed.body.items.find((w: { id: string }) => w.id === id);
    expect(mine).toEqual({ ...created.body, secret: undefined });
    expect(JSON.stringify(listed.body)).not.toContain('whsec_');

    const client = await newClient('Webhook Client');
    const request = await submitRequest(client);
    const got = await eventually(() =>
      received.find((r) => JSON.parse(r.body).data?.request_id === request.id),
    );
    expect(got.headers['x-ajla-event']).toBe('request.submitted');
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(
      got.headers['x-ajla-signature'] as string,
    )!;
    expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${got.body}`).digest('hex'));
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const signed = `${got.headers['webhook-id']}.${got.headers['webhook-timestamp']}.${got.body}`;
    expect(got.headers['webhook-signature']).toBe(
      `v1,${createHmac('sha256', key).update(signed).digest('base64')}`,
    );

    const delivery = await eventually(async () => {
      const res = await api('GET', `/api/v1/admin/webhooks/${id}/deliveries`, { token: rootAdmin });
      expect(res.status).toBe(200);
      const found = res.body.items.find(
        (d: { id: string; status: string }) =>
          d.id === got.headers['x-ajla-delivery'] && d.status === 'succeeded',
      );
      return found;
    });
    expect(delivery).toMatchObject({
      event_type: 'request.submitted',
      attempts: [{ status_code: 200, error: null, response: 'thanks' }],
      next_attempt_at: null,
    });

    expect((await api('DELETE', `/api/v1/admin/webhooks/${id}`, { token: rootAdmin })).status).toBe(
      204,
    );
    expect((await api('DELETE', `/api/v1/admin/webhooks/${id}`, { token: rootAdmin })).status).toBe(
      404,
    );
  });

  it('lets an admin turn a webhook off and on, rotate its secret, test it and redeliver', async () => {
    // A receiver of its own that answers what it is told (200 unless told otherwise).
    const got: (Received & { status: number })[] = [];
    const answers: number[] = [];
    let otherwise = 200;
    const own = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const status = answers.shift() ?? otherwise;
        got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
        res.statusCode = status;
        res.end(status === 200 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    const ownUrl = `http://127.0.0.1:${(own.address() as AddressInfo).port}/own`;
    const ofDelivery = (deliveryId: string) =>
      got.filter((r) => r.headers['x-ajla-delivery'] === deliveryId);
    const ofRequest = (requestId: string) =>
      got.filter((r) => JSON.parse(r.body).data?.request_id === requestId);
    const hooks = '/api/v1/admin/webhooks';
    const as = { token: rootAdmin };
    try {
      const created = await api('POST', hooks, {
        ...as,
        body: { url: receiverUrl, events: ['message.created'] },
      });
      const { id, secret } = created.body;
      const other = (await api('POST', hooks, { ...as, body: { url: ownUrl, events: ['*'] } }))
        .body;

      // Moved to this receiver and to submitted requests, then turned off.
      const changed = await api('PATCH', `${hooks}/${id}`, {
        ...as,
        body: { url: ownUrl, events: ['request.submitted'], active: false },
      });
      expect(changed.status).toBe(200);
      expect(changed.body).toMatchObject({
        id,
        url: ownUrl,
        events: ['request.submitted'],
        active: false,
        disabled_at: expect.any(String),
        disabled_reason: 'turned off by an admin',
      });
      const client = await newClient('Webhook Patch Client');
      const whileOff = await submitRequest(client);
      // The admin's own notification of it is written with any delivery: once it is there, the
      // event has been handled.
      await eventually(async () => {
        const res = await api('GET', '/api/v1/notifications?page_size=100', as);
        return res.body.items.find((n: any) => n.data.request_id === whileOff.id);
      });
      const listed = await api('GET', `${hooks}/${id}/deliveries`, as);
      expect(listed.body.items).toEqual([]);

      const on = await api('PATCH', `${hooks}/${id}`, { ...as, body: { active: true } });
      expect(on.body).toMatchObject({ active: true, disabled_at: null, disabled_reason: null });

      // A new secret: for the overlap, every request carries both signatures.
      const rotated = await api('POST', `${hooks}/${id}/rotate-secret`, as);
      expect(rotated.status).toBe(200);
      expect(rotated.body).toEqual({
        secret: expect.stringMatching(/^whsec_/),
        previous_secret_expires_at: expect.any(String),
      });
      const fresh = rotated.body.secret as string;
      const afterRotation = await submitRequest(client);
      const [mine] = await eventually(async () => {
        const res = await api('GET', `${hooks}/${id}/deliveries`, as);
        return res.body.items.length > 0 && res.body.items[0].status === 'succeeded'
          ? res.body.items
          : undefined;
      });
      // Its first delivery: nothing was queued for it while it was off.
      const [forMe] = ofDelivery(mine.id);
      expect(JSON.parse(forMe.body).data.request_id).toBe(afterRotation.id);
      expect(ofRequest(whileOff.id).map((r) => r.headers['x-ajla-delivery'])).not.toContain(
        mine.id,
      );
      const [t, ...v1] = (forMe.headers['x-ajla-signature'] as string).split(',');
      const hex = (key: string) =>
        createHmac('sha256', key)
          .update(`${t.slice(2)}.${forMe.body}`)
          .digest('hex');
      expect(v1).toEqual([`v1=${hex(fresh)}`, `v1=${hex(secret)}`]);
      const content = `${forMe.headers['webhook-id']}.${forMe.headers['webhook-timestamp']}.${forMe.body}`;
      const b64 = (key: string) =>
        createHmac('sha256', Buffer.from(key.slice('whsec_'.length), 'base64'))
          .update(content)
          .digest('base64');
      expect(forMe.headers['webhook-signature']).toBe(`v1,${b64(fresh)} v1,${b64(secret)}`);

      // A test event, through the normal path.
      const test = await api('POST', `${hooks}/${id}/test`, as);
      expect(test.status).toBe(202);
      expect(test.body).toMatchObject({ event_type: 'webhook.test', status: 'pending' });
      const tested = await eventually(() => ofDelivery(test.body.id)[0]);
      expect(tested.headers['x-ajla-event']).toBe('webhook.test');
      expect(JSON.parse(tested.body)).toMatchObject({
        type: 'webhook.test',
        data: { webhook_id: id },
      });
      await eventually(async () => {
        const res = await api('GET', `${hooks}/${id}/deliveries`, as);
        return res.body.items.find((d: any) => d.id === test.body.id && d.status === 'succeeded');
      });

      // Sent again with the same delivery id.
      const redeliver = (hook: string, delivery: string) =>
        api('POST', `${hooks}/${hook}/deliveries/${delivery}/redeliver`, as);
      const again = await redeliver(id, test.body.id);
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({ id: test.body.id, status: 'pending' });
      await eventually(() => ofDelivery(test.body.id).length === 2 || undefined);
      // Another webhook's delivery is unknown here.
      const notMine = await redeliver(other.id, test.body.id);
      expect(notMine.status).toBe(404);
      expectErrorBody(notMine);
      // One still waiting for its retry cannot be sent again.
      otherwise = 503;
      const failing = await api('POST', `${hooks}/${id}/test`, as);
      await eventually(() => ofDelivery(failing.body.id).length > 0 || undefined);
      const pending = await redeliver(id, failing.body.id);
      expect(pending.status).toBe(409);
      expectErrorBody(pending);
      otherwise = 200;

      for (const hook of [id, other.id]) await api('DELETE', `${hooks}/${hook}`, as);
    } finally {
      await new Promise<void>((resolve) => own.close(() => resolve()));
    }
  });

  it('refuses bad input with 400 and anyone but an admin with 403', async () => {
    const bad = await api('POST', '/api/v1/admin/webhooks', {
      token: rootAdmin,
      body: { url: 'file:///etc/passwd', events: ['*'] },
    });
    expect(bad.status).toBe(400);
    expectErrorBody(bad);

    const [client, agent] = await Promise.all([newClient(), newStaff('agent')]);
    for (const token of [client.tokens.access_token, agent.tokens.access_token]) {
      const res = await api('POST', '/api/v1/admin/webhooks', {
        token,
        body: { url: receiverUrl, events: ['*'] },
      });
      expect(res.status).toBe(403);
      expectErrorBody(res);
    }
    expect((await api('GET', '/api/v1/admin/webhooks')).status).toBe(401);
  });
});
