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
