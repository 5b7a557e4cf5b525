import { readFileSync } from 'node:fs';
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import path from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Registry } from 'prom-client';
import WebSocket from 'ws';
import { AccessTokenVerifier, SessionRevocations } from '@ajla/auth';
import { asyncApiDocument } from '@ajla/contracts';
import { METRICS_REGISTRY } from '@ajla/platform';
import { freePort, uniqueRedisPrefix } from '@ajla/testing';
import { Inbox, StubUpstream, closed } from '../test/stub-upstream';
import { TestKeys, createTestKeys } from '../test/tokens';
import { loadGatewaySettings } from './config';
import { createGatewayApp } from './gateway-app';

interface RunningGateway {
  app: NestFastifyApplication;
  url: string;
  ws: string;
}

async function startGateway(
  env: Record<string, string>,
  revocations?: SessionRevocations,
): Promise<RunningGateway> {
  const settings = loadGatewaySettings({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_KEY_PREFIX: uniqueRedisPrefix('gateway'),
    METRICS_PORT: '0',
    ...env,
  });
  const tokenVerifier = await AccessTokenVerifier.fromConfig(settings.config, revocations);
  const app = await createGatewayApp(settings, { tokenVerifier, revocations });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}` };
}

/** Polls `check` every 10 ms until it holds (2 s at most). */
async function waitUntil(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 2000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Either the open socket, or the HTTP answer that refused it. */
interface Handshake {
  ws?: WebSocket;
  inbox?: Inbox;
  status?: number;
  headers?: IncomingHttpHeaders;
  body?: string;
}

/** Opens a WebSocket through the gateway, resolving with the socket or with the HTTP refusal. */
function handshake(
  url: string,
  protocols: string[] = [],
  headers: Record<string, string> = {},
): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols, { headers });
    const inbox = new Inbox(ws);
    ws.once('open', () => resolve({ ws, inbox }));
    ws.once('unexpected-response', (request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode!, headers: response.headers, body });
      });
    });
    ws.once('error', reject);
  });
}

/** A GET whose path is sent byte for byte (fetch would resolve dot segments first). */
function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}/`, { path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The samples of one metric of the gateway's registry, as `label=value,... -> value`. */
async function samples(gateway: RunningGateway, name: string): Promise<Record<string, number>> {
  const metric = gateway.app.get<Registry>(METRICS_REGISTRY).getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return Object.fromEntries(
    values.map((v) => [
      Object.entries(v.labels)
        .filter(([label]) => label !== 'service')
        .map(([label, value]) => `${label}=${value}`)
        .join(','),
      v.value,
    ]),
  );
}

/** How many proxied WebSockets to conversation-service closed (`gateway_websocket_session_seconds_count`). */
async function sessionsClosed(gateway: RunningGateway): Promise<number> {
  const text = await gateway.app.get<Registry>(METRICS_REGISTRY).metrics();
  const match =
    /^gateway_websocket_session_seconds_count\{[^}]*upstream="conversation"[^}]*\} (\d+)$/m.exec(
      text,
    );
  return Number(match?.[1] ?? 0);
}

async function json(response: Response): Promise<any> {
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return response.json();
}

describe('gateway (in front of stub upstreams)', () => {
  let keys: TestKeys;
  let user: StubUpstream;
  let request: StubUpstream;
  let conversation: StubUpstream;
  let gateway: RunningGateway;
  let token: string;

  beforeAll(async () => {
    keys = await createTestKeys();
    user = await StubUpstream.start('user', {
      openapi: '3.0.0',
      info: { title: 'user-service', version: '1' },
      paths: {
        '/api/v1/auth/login': { post: { responses: { 200: { description: 'tokens' } } } },
        '/api/v1/users/me': { get: { responses: { 200: { description: 'user' } } } },
        '/health/ready': { get: { responses: { 200: { description: 'ready' } } } },
      },
      components: { schemas: { User: { type: 'object' } } },
    });
    request = await StubUpstream.start('request');
    conversation = await StubUpstream.start('conversation');
    gateway = await startGateway({
      USER_SERVICE_URL: user.url,
      REQUEST_SERVICE_URL: request.url,
      CONVERSATION_SERVICE_URL: conversation.url,
      NOTIFICATION_SERVICE_URL: '',
      JWT_PUBLIC_KEY: keys.publicPem,
      BODY_LIMIT_BYTES: String(64 * 1024),
      UPSTREAM_TIMEOUT_MS: '500',
      HEALTH_TIMEOUT_MS: '500',
      CORS_ORIGINS: 'https://app.ajla.test',
      // Room for every test below; the limits have their own describe.
      RATE_LIMIT_AUTH_PER_ADDRESS: '1000',
    });
    token = await keys.sign();
  });

  afterAll(async () => {
    await gateway?.app.close();
    await Promise.all([user, request, conversation].map((stub) => stub?.close()));
  });

  describe('HTTP forwarding', () => {
    it('forwards method, path, query, body and headers, and passes the answer back', async () => {
      const body = JSON.stringify({
        email: 'a@ajla.test',
        password: 'p4ssword!',
        full_name: 'عبد الله 😀',
      });
      const res = await fetch(`${gateway.url}/api/v1/auth/register?invite=a%20b&x=1&x=2`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-client': 'ios/1.2',
          'accept-language': 'ar',
        },
        body,
      });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-upstream')).toBe('user');
      expect(await json(res)).toMatchObject({
        service: 'user',
        url: '/api/v1/auth/register?invite=a%20b&x=1&x=2',
      });

      const seen = user.apiRequests.at(-1)!;
      expect(seen.method).toBe('POST');
      expect(seen.url).toBe('/api/v1/auth/register?invite=a%20b&x=1&x=2');
      expect(seen.body.toString('utf8')).toBe(body);
      expect(seen.headers['content-type']).toBe('application/json');
      expect(seen.headers['x-client']).toBe('ios/1.2');
      expect(seen.headers['accept-language']).toBe('ar');
      expect(seen.headers['host']).toBe(new URL(user.url).host);
    });

    it('streams a body it does not parse, malformed JSON included, unchanged', async () => {
      const res = await fetch(`${gateway.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"email": ',
      });
      expect(res.status).toBe(201);
      expect(user.apiRequests.at(-1)!.body.toString()).toBe('{"email": ');
    });

    it('generates a request id, forwards it, and returns it', async () => {
      const res = await fetch(`${gateway.url}/api/v1/auth/refresh`, { method: 'POST' });
      const id = res.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(user.apiRequests.at(-1)!.headers['x-request-id']).toBe(id);
      expect(user.apiRequests.at(-1)!.headers['x-correlation-id']).toBe(id);
      expect(user.apiRequests.at(-1)!.headers['traceparent']).toMatch(
        /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/,
      );
    });

    it("keeps the client's request id and trace", async () => {
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const res = await fetch(`${gateway.url}/api/v1/auth/refresh`, {
        method: 'POST',
        headers: {
          'x-request-id': 'client-chosen-id-123',
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
      });
      expect(res.headers.get('x-request-id')).toBe('client-chosen-id-123');
      const seen = user.apiRequests.at(-1)!;
      expect(seen.headers['x-request-id']).toBe('client-chosen-id-123');
      expect(seen.headers['traceparent']).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    });

    it('tells the upstream the real client address, whatever the client claims', async () => {
      await fetch(`${gateway.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: {
          'x-forwarded-for': '6.6.6.6',
          'x-real-ip': '6.6.6.6',
          forwarded: 'for=6.6.6.6',
          'x-forwarded-proto': 'https',
          'x-forwarded-host': 'evil.example',
        },
      });
      const seen = user.apiRequests.at(-1)!;
      expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen.headers['x-forwarded-proto']).toBe('http');
      expect(seen.headers['x-forwarded-host']).toBe(new URL(gateway.url).host);
      expect(seen.headers['x-real-ip']).toBeUndefined();
      expect(seen.headers['forwarded']).toBeUndefined();
    });
  });

  describe('edge authentication', () => {
    const refusals: [string, () => Promise<Record<string, string>>][] = [
      ['no token', async () => ({})],
      ['a token that is not a JWT', async () => ({ authorization: 'Bearer opaque-refresh-token' })],
      [
        'a token signed by another key',
        async () => ({ authorization: `Bearer ${await keys.foreign()}` }),
      ],
      [
        'an expired token',
        async () => ({
          authorization: `Bearer ${await keys.craft({ claims: { iat: 1_700_000_000, exp: 1_700_000_900 } })}`,
        }),
      ],
      [
        'an unsigned token (alg none)',
        async () => ({ authorization: `Bearer ${keys.unsigned()}` }),
      ],
      [
        'a token of another type',
        async () => ({ authorization: `Bearer ${await keys.craft({ header: { typ: 'JWT' } })}` }),
      ],
      [
        'a token without a session id (it could not be revoked)',
        async () => ({
          authorization: `Bearer ${await keys.craft({ claims: { sid: undefined } })}`,
        }),
      ],
      [
        'a non-bearer scheme',
        async () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }),
      ],
    ];

    it.each(refusals)(
      'answers 401 to %s, without reaching the upstream',
      async (_label, headers) => {
        const before = request.apiRequests.length;
        const res = await fetch(`${gateway.url}/api/v1/requests?page=1`, {
          headers: await headers(),
        });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        const body = await json(res);
        expect(typeof body.detail).toBe('string');
        expect(body.detail.length).toBeGreaterThan(0);
        expect(request.apiRequests.length).toBe(before);
      },
    );

    it('forwards a valid token, with the Authorization header unchanged', async () => {
      const res = await fetch(`${gateway.url}/api/v1/requests?page=2&page_size=5`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      const seen = request.apiRequests.at(-1)!;
      expect(seen.url).toBe('/api/v1/requests?page=2&page_size=5');
      expect(seen.headers['authorization']).toBe(`Bearer ${token}`);
    });

    it('forwards public routes without a token', async () => {
      const res = await fetch(`${gateway.url}/.well-known/jwks.json`);
      expect(res.status).toBe(200);
      expect(user.apiRequests.at(-1)!.url).toBe('/.well-known/jwks.json');
    });

    it('answers 503 with Retry-After, never a pass, while session revocations cannot be known', async () => {
      // A list whose feed never vouched for it, as when Redis is unreachable.
      const blind = await startGateway(
        {
          REQUEST_SERVICE_URL: request.url,
          CONVERSATION_SERVICE_URL: conversation.url,
          USER_SERVICE_URL: user.url,
          NOTIFICATION_SERVICE_URL: '',
          JWT_PUBLIC_KEY: keys.publicPem,
        },
        new SessionRevocations({ graceMs: 1000 }),
      );
      try {
        const before = request.apiRequests.length;
        const res = await fetch(`${blind.url}/api/v1/requests`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(await json(res)).toEqual({
          detail: 'Sessions cannot be checked right now; try again shortly',
          code: 'unavailable',
        });
        const ws = await handshake(`${blind.ws}/ws/chat/c1?token=${token}`);
        expect(ws.status).toBe(503);
        expect(ws.headers?.['retry-after']).toBe('1');
        expect(request.apiRequests.length).toBe(before);
        expect((await fetch(`${blind.url}/.well-known/jwks.json`)).status).toBe(200);
      } finally {
        await blind.app.close();
      }
    });
  });

  describe('answers of its own', () => {
    it.each([
      '/nope',
      '/api/v1/nothing-here',
      '/api/v1/users/someone-else',
      '/api/v1/notifications',
    ])('answers %s with a JSON 404', async (path) => {
      const res = await fetch(`${gateway.url}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(404);
      expect(await json(res)).toMatchObject({ detail: 'Not found' });
    });

    it.each(['/api/v1/auth/%2e%2e/admin/users', '/api/v1/auth/../admin/users'])(
      'refuses %s, a path that climbs out of its route (sent as is, not normalised)',
      async (path) => {
        const { status, headers, body } = await rawGet(gateway.url, path);
        expect(status).toBe(400);
        expect(headers['content-type']).toMatch(/^application\/json/);
        expect(JSON.parse(body)).toMatchObject({ detail: 'Invalid path' });
        expect(user.apiRequests.some((req) => req.url.includes('admin'))).toBe(false);
      },
    );

    it('refuses a body over the limit with a JSON 413, without reaching the upstream', async () => {
      const before = user.apiRequests.length;
      const res = await fetch(`${gateway.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ full_name: 'x'.repeat(100 * 1024) }),
      });
      expect(res.status).toBe(413);
      expect(await json(res)).toMatchObject({ detail: 'Request body is too large' });
      expect(user.apiRequests.length).toBe(before);
    });

    it('reads an upload over the limit to its end, so a client that writes it all gets the 413', async () => {
      // fetch writes its whole body before reading: answered early, it would see a broken pipe.
      // 8 MB: more than the socket buffers hold, so the client is still writing when refused.
      const body = JSON.stringify({ full_name: 'x'.repeat(8 * 1024 * 1024) });
      const statuses = await Promise.all(
        Array.from({ length: 3 }, async () => {
          const res = await fetch(`${gateway.url}/api/v1/auth/register`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          await res.text();
          return res.status;
        }),
      );
      expect(statuses).toEqual([413, 413, 413]);
    });

    it('answers a declared upload far over the limit at once, without waiting for it', async () => {
      const { status, body } = await new Promise<{ status: number; body: string }>(
        (resolve, reject) => {
          const req = httpRequest(
            `${gateway.url}/api/v1/auth/register`,
            {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'content-length': String(1 << 30) },
            },
            (res) => {
              let text = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => (text += chunk));
              res.on('end', () => {
                resolve({ status: res.statusCode!, body: text });
                req.destroy();
              });
            },
          );
          req.on('error', (error: NodeJS.ErrnoException) => {
            if (error.code !== 'ECONNRESET') reject(error);
          });
          req.write('{"full_name":"'); // 1 GiB announced, a few bytes sent
        },
      );
      expect(status).toBe(413);
      expect(JSON.parse(body)).toMatchObject({ detail: 'Request body is too large' });
    });

    it('cuts a chunked body that grows over the limit with a JSON 413', async () => {
      const chunk = new Uint8Array(16 * 1024).fill(120);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 8) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const res = await fetch(`${gateway.url}/api/v1/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(await json(res)).toMatchObject({ detail: 'Request body is too large' });
    });

    it('answers 504 JSON when the upstream is too slow', async () => {
      const res = await fetch(`${gateway.url}/api/v1/auth/slow`);
      expect(res.status).toBe(504);
      expect((await json(res)).detail).toMatch(/user service did not answer in time/);
    });

    it('sends security headers on its own and proxied answers', async () => {
      for (const path of ['/health/live', '/api/v1/auth/x']) {
        const res = await fetch(`${gateway.url}${path}`);
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
        expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
        expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
        expect(res.headers.get('x-powered-by')).toBeNull();
      }
    });

    it('answers a CORS preflight from an allowed origin itself', async () => {
      const before = request.seen.length;
      const res = await fetch(`${gateway.url}/api/v1/requests`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.ajla.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization, content-type',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://app.ajla.test');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
      expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
      expect(res.headers.get('access-control-max-age')).toBe('600');
      expect(request.seen.length).toBe(before);
    });

    it('grants CORS to allowed origins only, exposing the request id', async () => {
      const allowed = await fetch(`${gateway.url}/api/v1/auth/x`, {
        headers: { origin: 'https://app.ajla.test' },
      });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.ajla.test');
      expect(allowed.headers.get('access-control-expose-headers')).toContain('x-request-id');
      const other = await fetch(`${gateway.url}/api/v1/auth/x`, {
        headers: { origin: 'https://evil.example' },
      });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('serves the combined OpenAPI document and Swagger UI', async () => {
      const res = await fetch(`${gateway.url}/docs-json`);
      expect(res.status).toBe(200);
      const document = await json(res);
      expect(Object.keys(document.paths).sort()).toEqual([
        '/api/v1/auth/login',
        '/api/v1/users/me',
      ]);
      expect(document.components.schemas.User).toEqual({ type: 'object' });
      const ui = await fetch(`${gateway.url}/docs`);
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toMatch(/text\/html/);
    });

    it('serves the AsyncAPI document of the events and a page made from it, under /docs', async () => {
      const res = await fetch(`${gateway.url}/docs/asyncapi.json`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const document = await json(res);
      expect(document.asyncapi).toBe('3.0.0');
      expect(Object.keys(document.channels)).toEqual(
        expect.arrayContaining(['request.submitted', 'message.created', 'user.registered']),
      );
      // The document libs/contracts generates (and validates with the AsyncAPI parser), unchanged.
      expect(document).toEqual(JSON.parse(JSON.stringify(asyncApiDocument())));

      const page = await fetch(`${gateway.url}/docs/events`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      // Helmet's policy applies: no script, styles from the gateway only.
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await page.text();
      expect(html).toContain('<h2><code>request.submitted</code></h2>');
      expect(html).toContain('request-service publishes request.submitted');
      expect(html).not.toMatch(/<script|https?:\/\/(?!json-schema)/);
      const css = await fetch(`${gateway.url}/docs/events.css`);
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toMatch(/^text\/css/);
      expect(await css.text()).toContain('table');

      // Swagger UI's own files below /docs are still there, and its description links the events.
      const swaggerCss = await fetch(`${gateway.url}/docs/swagger-ui.css`);
      expect(swaggerCss.status).toBe(200);
      expect(await swaggerCss.text()).toContain('.swagger-ui');
      const openApi = await json(await fetch(`${gateway.url}/docs-json`));
      expect(openApi.info.description).toContain('/docs/asyncapi.json');
    });

    it('serves its own liveness and readiness, and no /metrics on its public port', async () => {
      expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${gateway.url}/health/ready`)).status).toBe(200);
      for (const path of ['/metrics', '/metrics/', '/metrics?x=1']) {
        const res = await fetch(`${gateway.url}${path}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(404);
        expect(await json(res)).toEqual({ detail: 'Not found', code: 'not_found' });
      }
      // No route leads to a service's own /metrics either.
      for (const path of [
        '/api/v1/requests/../../metrics',
        '/api/v1/requests/%2e%2e/%2e%2e/metrics',
      ]) {
        expect((await rawGet(gateway.url, path, { authorization: `Bearer ${token}` })).status).toBe(
          400,
        );
      }
      const seen = [user, request, conversation].flatMap((stub) => stub.seen.map((r) => r.url));
      expect(seen.filter((url) => url.includes('metrics'))).toEqual([]);
    });
  });

  describe('WebSockets', () => {
    it('forwards an upgrade with a token in the query, frames both ways', async () => {
      const framesBefore = await samples(gateway, 'gateway_websocket_frames_total');
      const openedBefore = await samples(gateway, 'gateway_websocket_opened_total');
      const sessionsBefore = await sessionsClosed(gateway);
      const result = await handshake(
        `${gateway.ws}/ws/chat/0190a5e4?token=${token}&after_seq=3`,
        [],
        {
          'x-forwarded-for': '6.6.6.6',
        },
      );
      const { ws, inbox } = result as Required<Handshake>;
      expect(JSON.parse(await inbox.next())).toMatchObject({ type: 'hello' });
      ws.send('{"type":"ping"}');
      expect(JSON.parse(await inbox.next())).toEqual({ type: 'echo', data: '{"type":"ping"}' });
      ws.send(Buffer.from([1, 2, 3]), { binary: true });
      expect(await inbox.next()).toBe('\u0001\u0002\u0003');

      const seen = conversation.sockets.at(-1)!;
      expect(seen.url).toBe(`/ws/chat/0190a5e4?token=${token}&after_seq=3`);
      expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(seen.received).toContain('{"type":"ping"}');

      // Data frames counted per direction (hello and two echoes out, two in), and the socket.
      const frames = await samples(gateway, 'gateway_websocket_frames_total');
      const opened = await samples(gateway, 'gateway_websocket_opened_total');
      const grown = (now: Record<string, number>, before: Record<string, number>, key: string) =>
        (now[key] ?? 0) - (before[key] ?? 0);
      expect(grown(frames, framesBefore, 'upstream=conversation,direction=in')).toBe(2);
      expect(grown(frames, framesBefore, 'upstream=conversation,direction=out')).toBe(3);
      expect(grown(opened, openedBefore, 'upstream=conversation')).toBe(1);

      const upstreamClosed = new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (seen.closeCode !== undefined) {
            clearInterval(check);
            resolve();
          }
        }, 10);
      });
      ws.close(1000, 'done');
      await upstreamClosed;
      expect(seen.closeCode).toBe(1000);
      // Its lifetime observed once it closed.
      let sessions = sessionsBefore;
      for (
        const deadline = Date.now() + 2000;
        sessions === sessionsBefore && Date.now() < deadline;
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        sessions = await sessionsClosed(gateway);
      }
      expect(sessions).toBe(sessionsBefore + 1);
    });

    it('closes a proxied WebSocket whose session is revoked (1008), on both sides, and no other', async () => {
      const revocations = new SessionRevocations({ graceMs: 60_000 });
      revocations.confirmComplete(Date.now());
      const watching = await startGateway(
        {
          REQUEST_SERVICE_URL: request.url,
          CONVERSATION_SERVICE_URL: conversation.url,
          USER_SERVICE_URL: user.url,
          NOTIFICATION_SERVICE_URL: '',
          JWT_PUBLIC_KEY: keys.publicPem,
        },
        revocations,
      );
      try {
        const other = await keys.sign({ sid: 'another-session' });
        const revoked = (await handshake(
          `${watching.ws}/ws/chat/c1?token=${token}`,
        )) as Required<Handshake>;
        const upstream = conversation.sockets.at(-1)!;
        const kept = (await handshake(
          `${watching.ws}/ws/chat/c1?token=${other}`,
        )) as Required<Handshake>;
        await revoked.inbox.next();
        await kept.inbox.next();
        const clientClosed = closed(revoked.ws);

        revocations.add({
          kind: 'session_revoked',
          sessionId: '0190a5e4-7b1c-7c3e-9f00-0000000000a1',
          userId: '0190a5e4-7b1c-7c3e-9f00-000000000001',
          at: Date.now(),
          until: Date.now() + 60_000,
        });

        expect(await clientClosed).toEqual({ code: 1008, reason: 'session revoked' });
        await waitUntil(() => upstream.closeCode !== undefined);
        expect(upstream.closeCode).toBe(1008);
        kept.ws.send('{"type":"ping"}');
        expect(JSON.parse(await kept.inbox.next())).toMatchObject({ type: 'echo' });
        kept.ws.close(1000);
      } finally {
        await watching.app.close();
      }
    });

    it('accepts the token as the subprotocol pair "bearer, <token>"', async () => {
      const { ws, inbox } = (await handshake(`${gateway.ws}/ws/chat/abc`, [
        'bearer',
        token,
      ])) as Required<Handshake>;
      expect(ws.protocol).toBe('bearer');
      await inbox.next();
      expect(conversation.sockets.at(-1)!.protocol).toBe('bearer');
      ws.close();
    });

    it('passes close codes from the upstream to the client', async () => {
      const { ws, inbox } = (await handshake(
        `${gateway.ws}/ws/chat/abc?token=${token}`,
      )) as Required<Handshake>;
      await inbox.next();
      const done = closed(ws);
      ws.send('close:4001');
      expect(await done).toEqual({ code: 4001, reason: 'closed by upstream' });
    });

    it.each([
      ['without a token', () => `${gateway.ws}/ws/chat/abc`],
      ['with a bad token', () => `${gateway.ws}/ws/chat/abc?token=${keys.unsigned()}`],
    ])('refuses the handshake %s with a JSON 401, before the upstream', async (_label, url) => {
      const before = conversation.sockets.length;
      const result = await handshake(url());
      expect(result.status).toBe(401);
      expect(result.headers!['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(result.body!).detail).toEqual(expect.any(String));
      expect(conversation.sockets.length).toBe(before);
    });

    it("passes the upstream's own handshake refusal to the client", async () => {
      const result = await handshake(`${gateway.ws}/ws/chat/missing?token=${token}`);
      expect(result.status).toBe(404);
      expect(JSON.parse(result.body!)).toEqual({
        detail: 'Conversation not found',
        code: 'not_found',
      });
    });

    it('serves a request offering another upgrade (h2c) as plain HTTP', async () => {
      const { status, body } = await rawGet(gateway.url, '/api/v1/auth/x', {
        connection: 'Upgrade, HTTP2-Settings',
        upgrade: 'h2c',
        'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA',
      });
      expect(status).toBe(200);
      expect(JSON.parse(body)).toMatchObject({ service: 'user', url: '/api/v1/auth/x' });
    });

    it('answers an upgrade on a route without WebSockets with a JSON 404', async () => {
      const result = await handshake(`${gateway.ws}/api/v1/requests?token=${token}`);
      expect(result.status).toBe(404);
      expect(JSON.parse(result.body!)).toMatchObject({ detail: 'Not found' });
    });
  });

  describe('health of the platform', () => {
    it('is ok when every configured service is ready', async () => {
      const res = await fetch(`${gateway.url}/health`);
      expect(res.status).toBe(200);
      expect(await json(res)).toEqual({
        status: 'ok',
        services: { user: 'ok', request: 'ok', conversation: 'ok' },
      });
    });

    it('names the services that are not ready, or down', async () => {
      conversation.ready = false;
      await request.close();
      const res = await fetch(`${gateway.url}/health`);
      expect(res.status).toBe(503);
      expect(await json(res)).toEqual({
        status: 'unavailable',
        services: { user: 'ok', request: 'down', conversation: 'down' },
      });
      conversation.ready = true;
    });

    it('answers 503 JSON when an upstream is down', async () => {
      const res = await fetch(`${gateway.url}/api/v1/requests`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await json(res)).toEqual({
        detail: 'The request service is unavailable',
        code: 'unavailable',
      });
    });
  });
});

describe('gateway configuration at start', () => {
  it('mounts only the services it is given, and a WebSocket to a dead upstream answers 503', async () => {
    const keys = await createTestKeys();
    const port = await deadPort();
    const gateway = await startGateway({
      USER_SERVICE_URL: '',
      REQUEST_SERVICE_URL: '',
      CONVERSATION_SERVICE_URL: `http://127.0.0.1:${port}`,
      NOTIFICATION_SERVICE_URL: '',
      JWT_PUBLIC_KEY: keys.publicPem,
    });
    try {
      expect((await fetch(`${gateway.url}/api/v1/auth/login`, { method: 'POST' })).status).toBe(
        404,
      );
      const health = await (await fetch(`${gateway.url}/health`)).json();
      expect(health).toEqual({ status: 'unavailable', services: { conversation: 'down' } });
      const result = await handshake(`${gateway.ws}/ws/chat/abc?token=${await keys.sign()}`);
      expect(result.status).toBe(503);
      expect(JSON.parse(result.body!).detail).toBe('The conversation service is unavailable');
    } finally {
      await gateway.app.close();
    }
  });

  it('mounts a service that joins by configuration alone (GATEWAY_ROUTES and <NAME>_SERVICE_URL)', async () => {
    const keys = await createTestKeys();
    const billing = await StubUpstream.start('billing');
    const gateway = await startGateway({
      GATEWAY_ROUTES: JSON.stringify([
        { path: '/api/v1/billing', service: 'billing' },
        { path: '/api/v1/billing/plans', service: 'billing', access: 'public', match: 'exact' },
      ]),
      BILLING_SERVICE_URL: billing.url,
      USER_SERVICE_URL: '',
      REQUEST_SERVICE_URL: '',
      CONVERSATION_SERVICE_URL: '',
      NOTIFICATION_SERVICE_URL: '',
      JWT_PUBLIC_KEY: keys.publicPem,
    });
    try {
      expect((await fetch(`${gateway.url}/api/v1/billing/plans`)).status).toBe(200);
      expect((await fetch(`${gateway.url}/api/v1/billing/invoices`)).status).toBe(401);
      const invoices = await fetch(`${gateway.url}/api/v1/billing/invoices?year=2026`, {
        headers: { authorization: `Bearer ${await keys.sign()}` },
      });
      expect(invoices.status).toBe(200);
      expect(billing.apiRequests.map((req) => req.url)).toEqual([
        '/api/v1/billing/plans',
        '/api/v1/billing/invoices?year=2026',
      ]);
      expect(await (await fetch(`${gateway.url}/health`)).json()).toEqual({
        status: 'ok',
        services: { billing: 'ok' },
      });
    } finally {
      await gateway.app.close();
      await billing.close();
    }
  });

  it('closes proxied WebSockets with 1001 when it shuts down', async () => {
    const keys = await createTestKeys();
    const upstream = await StubUpstream.start('conversation');
    const gateway = await startGateway({
      CONVERSATION_SERVICE_URL: upstream.url,
      USER_SERVICE_URL: '',
      REQUEST_SERVICE_URL: '',
      NOTIFICATION_SERVICE_URL: '',
      JWT_PUBLIC_KEY: keys.publicPem,
    });
    try {
      const { ws, inbox } = (await handshake(
        `${gateway.ws}/ws/chat/abc?token=${await keys.sign()}`,
      )) as Required<Handshake>;
      await inbox.next();
      const done = closed(ws);
      await gateway.app.close();
      expect((await done).code).toBe(1001);
    } finally {
      await upstream.close();
    }
  });
});

describe('rate limits and metrics exposure', () => {
  const METRICS_TOKEN = 'scraper-secret-0123456789abcdef-0123456789';
  let keys: TestKeys;
  let user: StubUpstream;
  let conversation: StubUpstream;
  let gateway: RunningGateway;
  let metricsPort: number;

  beforeAll(async () => {
    keys = await createTestKeys();
    user = await StubUpstream.start('user');
    conversation = await StubUpstream.start('conversation');
    metricsPort = await freePort();
    gateway = await startGateway({
      USER_SERVICE_URL: user.url,
      CONVERSATION_SERVICE_URL: conversation.url,
      REQUEST_SERVICE_URL: '',
      NOTIFICATION_SERVICE_URL: '',
      JWT_PUBLIC_KEY: keys.publicPem,
      // The test talks from 127.0.0.1 as a proxy would, naming clients in X-Forwarded-For.
      TRUSTED_PROXIES: 'loopback',
      RATE_LIMIT_AUTH_PER_ADDRESS: '2',
      RATE_LIMIT_READ_PER_ADDRESS: '1000',
      RATE_LIMIT_READ_PER_USER: '3',
      RATE_LIMIT_WRITE_PER_ADDRESS: '0',
      RATE_LIMIT_WRITE_PER_USER: '0',
      RATE_LIMIT_WEBSOCKET_PER_USER: '1',
      METRICS_PORT: String(metricsPort),
      METRICS_TOKEN,
    });
  });

  afterAll(async () => {
    await gateway?.app.close();
    await Promise.all([user, conversation].map((stub) => stub?.close()));
  });

  const login = (client: string) =>
    fetch(`${gateway.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
      body: '{}',
    });

  it('limits an address on the auth routes: 429, Retry-After, RateLimit fields, JSON body', async () => {
    const first = await login('198.51.100.1');
    expect(first.ok).toBe(true);
    expect(first.headers.get('ratelimit-policy')).toBe('"auth-per-address";q=2;w=60');
    expect(first.headers.get('ratelimit')).toMatch(/^"auth-per-address";r=1;t=\d+$/);
    expect((await login('198.51.100.1')).headers.get('ratelimit')).toMatch(/;r=0;/);
    const seenBefore = user.apiRequests.length;

    const refused = await login('198.51.100.1');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('ratelimit')).toBe(`"auth-per-address";r=0;t=${retryAfter}`);
    expect(refused.headers.get('ratelimit-policy')).toBe('"auth-per-address";q=2;w=60');
    expect(await json(refused)).toEqual({
      detail: `Too many requests: try again in ${retryAfter} s`,
      code: 'rate_limited',
    });
    expect(user.apiRequests.length).toBe(seenBefore);

    // Another address has its own count.
    expect((await login('198.51.100.2')).ok).toBe(true);
  });

  it('counts two users behind one address apart', async () => {
    const alice = await keys.sign({ sub: '0190a5e4-7b1c-7c3e-9f00-00000000a11c' });
    const bob = await keys.sign({ sub: '0190a5e4-7b1c-7c3e-9f00-000000000b0b' });
    const me = (token: string) =>
      fetch(`${gateway.url}/api/v1/users/me`, {
        headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': '198.51.100.3' },
      });
    for (let i = 0; i < 3; i++) expect((await me(alice)).status).toBe(200);
    const refused = await me(alice);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('ratelimit')).toMatch(
      /^"read-per-address";r=\d+;t=\d+, "read-per-user";r=0;t=\d+$/,
    );
    const other = await me(bob);
    expect(other.status).toBe(200);
    expect(other.headers.get('ratelimit')).toMatch(/"read-per-user";r=2;/);
  });

  it('leaves a group whose limits are 0, health and docs alone', async () => {
    const token = await keys.sign();
    const write = await fetch(`${gateway.url}/api/v1/users/me`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(write.status).toBe(200);
    expect(write.headers.get('ratelimit')).toBeNull();
    for (const path of ['/health', '/health/live', '/docs-json']) {
      const res = await fetch(`${gateway.url}${path}`);
      expect(res.headers.get('ratelimit')).toBeNull();
      expect(res.status).not.toBe(429);
    }
  });

  it('refuses a WebSocket upgrade over the limit with an HTTP 429 at the handshake', async () => {
    const token = await keys.sign({ sub: '0190a5e4-7b1c-7c3e-9f00-0000000000ws' });
    const first = (await handshake(
      `${gateway.ws}/ws/chat/abc?token=${token}`,
    )) as Required<Handshake>;
    expect(first.ws).toBeDefined();
    first.ws.close();
    const refused = await handshake(`${gateway.ws}/ws/chat/abc?token=${token}`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers!['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers!['ratelimit']).toMatch(/"websocket-per-user";r=0;t=\d+/);
    expect(JSON.parse(refused.body!)).toMatchObject({ code: 'rate_limited' });
    expect(conversation.sockets.length).toBe(1);
  });

  it("exports every gateway metric the monitoring component's alerts and dashboard query", async () => {
    const monitoring = path.resolve(__dirname, '../../../k8s/components/monitoring');
    const queried = new Set(
      ['prometheus-rules.yaml', 'dashboards/ajla.json']
        .flatMap((file) =>
          readFileSync(path.join(monitoring, file), 'utf8').match(/\bgateway_\w+/g),
        )
        .map((name) => name!.replace(/_(bucket|count|sum)$/, '')),
    );
    expect(queried.size).toBeGreaterThan(3);
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    for (const name of queried) expect(text).toContain(`# TYPE ${name} `);
  });

  it('serves /metrics on the metrics port, and on the public port only with the token', async () => {
    const internal = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(internal.status).toBe(200);
    const text = await internal.text();
    expect(text).toMatch(
      /gateway_rate_limited_total\{[^}]*group="auth",policy="address"[^}]*\} [1-9]/,
    );
    expect(text).toContain('http_request_duration_seconds');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/health`)).status).toBe(404);

    const anonymous = await fetch(`${gateway.url}/metrics`);
    expect(anonymous.status).toBe(404);
    expect(await json(anonymous)).toEqual({ detail: 'Not found', code: 'not_found' });
    const wrong = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
    });
    expect(wrong.status).toBe(404);
    const scraper = await fetch(`${gateway.url}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(scraper.status).toBe(200);
    expect(await scraper.text()).toContain('gateway_rate_limited_total');
  });
});

describe('rate limits without Redis', () => {
  it('let requests through (fail open) and count them as unchecked', async () => {
    const keys = await createTestKeys();
    const user = await StubUpstream.start('user');
    const metricsPort = await freePort();
    const gateway = await startGateway({
      USER_SERVICE_URL: user.url,
      REQUEST_SERVICE_URL: '',
      CONVERSATION_SERVICE_URL: '',
      NOTIFICATION_SERVICE_URL: '',
      JWT_PUBLIC_KEY: keys.publicPem,
      REDIS_URL: `redis://127.0.0.1:${await deadPort()}`,
      RATE_LIMIT_AUTH_PER_ADDRESS: '1',
      METRICS_PORT: String(metricsPort),
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${gateway.url}/api/v1/auth/login`, { method: 'POST', body: '{}' });
        expect(res.ok).toBe(true);
        expect(res.headers.get('ratelimit')).toBeNull();
      }
      expect((await fetch(`${gateway.url}/health/ready`)).status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/gateway_rate_limit_unavailable_total\{[^}]*\} 3/);
    } finally {
      await gateway.app.close();
      await user.close();
    }
  });
});
