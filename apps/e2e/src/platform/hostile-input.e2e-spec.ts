import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import WebSocket from 'ws';
import {
  adminTokens,
  api,
  expectErrorBody,
  newClient,
  uniqueEmail,
  type Account,
  type ApiResponse,
  type Tokens,
} from '../support/api';
import { ChatSocket } from '../support/chat';
import { submitRequest } from '../support/requests';
import { REPO_ROOT, e2eState } from '../support/state';

/** A body route of a service, with a body it accepts and the string field to spoil. */
interface BodyRoute {
  readonly name: string;
  readonly method: string;
  readonly path: () => string;
  readonly token: () => string | undefined;
  readonly body: () => Record<string, unknown>;
  readonly textField: string;
}

const DEEP = 10_000;
const deepArray = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`;
const deepObject = `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;
const TOO_DEEP = 'JSON body is nested too deeply (at most 32 levels)';

/** A 4xx in the contract's shape whose body quotes none of `echoes`. */
function expectRefusal(res: ApiResponse, status: number, echoes: string[] = []): void {
  expect(res.status).toBe(status);
  expectErrorBody(res);
  expect(typeof res.body.code).toBe('string');
  expect(Object.keys(res.body).sort()).toEqual(['code', 'detail']);
  for (const echo of echoes) expect(JSON.stringify(res.body)).not.toContain(echo);
}

/** Replaces `"field":<value>` in the JSON of `body` with `"field":<raw>` (raw JSON text). */
function withRaw(body: Record<string, unknown>, field: string, raw: string): string {
  const rest = JSON.stringify({ ...body, [field]: undefined });
  return `${rest.slice(0, -1)}${rest.length > 2 ? ',' : ''}"${field}":${raw}}`;
}

/** Opens the chat WebSocket through the gateway with a raw query; the refusal's status and body. */
function handshake(
  conversationPath: string,
  query: string,
): Promise<{ status: number; body: string }> {
  const base = e2eState().gatewayUrl.replace(/^http/, 'ws');
  const ws = new WebSocket(`${base}/ws/chat/${conversationPath}?${query}`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
  });
}

describe('hostile input through :8000: a 4xx in the contract shape, never a 500, nothing stored', () => {
  let client: Account;
  let admin: Tokens;
  let request: { id: string; conversation_id: string };

  beforeAll(async () => {
    [client, admin] = await Promise.all([newClient('Hostile Tester'), adminTokens()]);
    request = await submitRequest(client);
  });

  const clientToken = () => client.tokens.access_token;
  const adminToken = () => admin.access_token;
  const routes: BodyRoute[] = [
    {
      name: 'register',
      method: 'POST',
      path: () => '/api/v1/auth/register',
      token: () => undefined,
      body: () => ({ email: uniqueEmail('hostile'), password: 'a long password', full_name: 'X' }),
      textField: 'full_name',
    },
    {
      name: 'login',
      method: 'POST',
      path: () => '/api/v1/auth/login',
      token: () => undefined,
      body: () => ({ email: client.email, password: client.password }),
      textField: 'password',
    },
    {
      name: 'users/me',
      method: 'PUT',
      path: () => '/api/v1/users/me',
      token: clientToken,
      body: () => ({ full_name: 'Y', preferences: { language: 'ar' } }),
      textField: 'full_name',
    },
    {
      name: 'admin users',
      method: 'POST',
      path: () => '/api/v1/admin/users',
      token: adminToken,
      body: () => ({
        email: uniqueEmail('hostile-staff'),
        password: 'a long password',
        full_name: 'Z',
        role: 'agent',
      }),
      textField: 'full_name',
    },
    {
      name: 'requests',
      method: 'POST',
      path: () => '/api/v1/requests',
      token: clientToken,
      body: () => ({ type: 'dining', description: 'A table for two' }),
      textField: 'description',
    },
    {
      name: 'admin requests',
      method: 'POST',
      path: () => `/api/v1/admin/requests/${request.id}/status`,
      token: adminToken,
      body: () => ({ status: 'in_progress' }),
      textField: 'status',
    },
    {
      name: 'messages',
      method: 'POST',
      path: () => '/api/v1/messages',
      token: clientToken,
      body: () => ({ conversation_id: request.conversation_id, content: 'hello' }),
      textField: 'content',
    },
  ];
  const send = (route: BodyRoute, rawBody: string) =>
    api(route.method, route.path(), { token: route.token(), rawBody });

  describe.each(routes.map((route) => [route.name, route] as const))('%s', (_name, route) => {
    it('refuses JSON nested thousands of levels deep with 400, before validation', async () => {
      for (const deep of [deepArray, deepObject]) {
        const res = await send(route, withRaw(route.body(), route.textField, deep));
        expectRefusal(res, 400);
        expect(res.body).toEqual({ detail: TOO_DEEP, code: 'nested_too_deeply' });
      }
    });

    it('refuses NUL and lone surrogates in a string or a key with 400 naming the field', async () => {
      for (const text of ['"x\\u0000y"', '"a\\ud800b"', '"\\udc00"']) {
        const res = await send(route, withRaw(route.body(), route.textField, text));
        expectRefusal(res, 400);
        expect(res.body).toEqual({
          detail: `${route.textField} contains characters that cannot be stored`,
          code: 'unstorable_text',
        });
      }
      const badKey = `${JSON.stringify(route.body()).slice(0, -1)},"k\\u0000":1}`;
      expectRefusal(await send(route, badKey), 400);
    });

    it.each(['__proto__', 'constructor', 'prototype'])(
      'refuses the key %s like any unknown field',
      async (key) => {
        const res = await send(route, withRaw(route.body(), key, '1'));
        expectRefusal(res, 400);
        expect(res.body).toEqual({
          detail: `property ${key} should not exist`,
          code: 'validation',
        });
      },
    );
  });

  describe('nothing is stored', () => {
    it('a register with a lone surrogate in the name creates no account', async () => {
      const email = uniqueEmail('surrogate');
      const spoilt = await api('POST', '/api/v1/auth/register', {
        rawBody: `{"email":"${email}","password":"a long password","full_name":"a\\ud800b"}`,
      });
      expectRefusal(spoilt, 400);
      const login = await api('POST', '/api/v1/auth/login', {
        body: { email, password: 'a long password' },
      });
      expect(login.status).toBe(401);
      const clean = await api('POST', '/api/v1/auth/register', {
        body: { email, password: 'a long password', full_name: 'a b' },
      });
      expect(clean.status).toBe(201);
    });

    it('preferences keep their value after deep, unstorable or prototype-keyed updates', async () => {
      const token = clientToken();
      const set = await api('PUT', '/api/v1/users/me', {
        token,
        body: { preferences: { language: 'ar' } },
      });
      expect(set.status).toBe(200);
      for (const preferences of [
        `{"a":${deepObject}}`,
        '{"a":"x\\u0000"}',
        '{"a":{"b":["\\ud800"]}}',
        '{"nested":{"constructor":{"prototype":{"polluted":true}}}}',
        '{"__proto__":{"polluted":true}}',
        '{"n":1e400}',
      ]) {
        const res = await api('PUT', '/api/v1/users/me', {
          token,
          rawBody: `{"preferences":${preferences}}`,
        });
        expectRefusal(res, 400);
      }
      const me = await api('GET', '/api/v1/users/me', { token });
      expect(me.body.preferences).toEqual({ language: 'ar' });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('no request or message is stored from a spoilt body', async () => {
      const token = clientToken();
      const before = await api('GET', '/api/v1/requests', { token });
      const conversationBefore = await api(
        'GET',
        `/api/v1/conversations/${request.conversation_id}`,
        { token },
      );
      await api('POST', '/api/v1/requests', {
        token,
        rawBody: '{"type":"dining","description":"x\\u0000"}',
      });
      await api('POST', '/api/v1/messages', {
        token,
        rawBody: `{"conversation_id":"${request.conversation_id}","content":"\\ud800"}`,
      });
      const after = await api('GET', '/api/v1/requests', { token });
      expect(after.body.total).toBe(before.body.total);
      const conversationAfter = await api(
        'GET',
        `/api/v1/conversations/${request.conversation_id}`,
        { token },
      );
      expect(conversationAfter.body.messages).toHaveLength(conversationBefore.body.messages.length);
    });
  });

  describe('query strings', () => {
    it.each([
      ['/api/v1/requests?constructor=1', clientToken],
      ['/api/v1/requests?__proto__=1', clientToken],
      ['/api/v1/requests?prototype=1', clientToken],
      ['/api/v1/requests?status=%00', clientToken],
      ['/api/v1/requests?page=99999999999', clientToken],
      ['/api/v1/requests?page=2147483648', clientToken],
      ['/api/v1/requests?page=1e400', clientToken],
      ['/api/v1/admin/requests?page=2147483648', adminToken],
      ['/api/v1/admin/requests?assignee_id=%00', adminToken],
      ['/api/v1/admin/requests?constructor=1', adminToken],
      ['/api/v1/admin/users?page=99999999999', adminToken],
      ['/api/v1/admin/users?role=%00', adminToken],
      ['/api/v1/admin/users?__proto__=1', adminToken],
      ['/api/v1/users/me?constructor=1', clientToken],
      ['/api/v1/notifications?__proto__=1', clientToken],
      ['/api/v1/notifications?unread=%00', clientToken],
      ['/api/v1/notifications?unread=TRUE', clientToken],
      ['/api/v1/notifications?page=2147483648', adminToken],
    ])('refuses %s with 400', async (url, token) => {
      expectRefusal(await api('GET', url, { token: token() }), 400, ['99999999999']);
    });

    it('refuses after_seq and limit out of range on a conversation, and a prototype key', async () => {
      for (const query of [
        'after_seq=2147483648',
        'after_seq=9999999999',
        'limit=1e400',
        '__proto__=1',
      ]) {
        const res = await api('GET', `/api/v1/conversations/${request.conversation_id}?${query}`, {
          token: clientToken(),
        });
        expectRefusal(res, 400);
      }
    });

    it('still takes the largest page', async () => {
      const res = await api('GET', '/api/v1/requests?page=2147483647', { token: clientToken() });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ items: [], page: 2147483647 });
    });
  });

  describe("the framework's own refusals", () => {
    it.each([
      ['GET', '/api/v1/requests/%zz-secret'],
      ['POST', '/api/v1/requests/%zz-secret/cancel'],
      ['PATCH', '/api/v1/admin/users/%zz-secret'],
      ['GET', '/api/v1/conversations/%zz-secret'],
      ['POST', '/api/v1/admin/requests/%E0%A4%A-secret/assign'],
    ])('%s %s (malformed percent-encoding): 400 without echoing the URL', async (method, url) => {
      const body = method === 'GET' ? undefined : {};
      const res = await api(method, url, { token: adminToken(), body });
      expectRefusal(res, 400, ['secret', '%zz', 'FST_']);
    });

    it('a path segment too long for the router: 4xx without echoing it', async () => {
      const segment = `s${'e'.repeat(300)}cret`;
      for (const url of [`/api/v1/requests/${segment}`, `/api/v1/conversations/${segment}`]) {
        const res = await api('GET', url, { token: clientToken() });
        expect([404, 414]).toContain(res.status);
        expectRefusal(res, res.status, [segment, 'FST_']);
      }
    });

    it('every service answers its own router and HTTP parser refusals in the contract shape too', async () => {
      const services = Object.entries(e2eState().serviceUrls);
      expect(services.length).toBeGreaterThanOrEqual(3);
      const paths: Record<string, string> = {
        'user-service': '/api/v1/admin/users',
        'request-service': '/api/v1/requests',
        'conversation-service': '/api/v1/conversations',
      };
      for (const [service, baseUrl] of services) {
        const route = paths[service] ?? '/api/v1/x';
        const check = async (url: string, status: number, code: string) => {
          const res = await fetch(`${baseUrl}${url}`);
          const text = await res.text();
          expect({ service, url: url.slice(0, 60), status: res.status }).toEqual({
            service,
            url: url.slice(0, 60),
            status,
          });
          expect(JSON.parse(text)).toEqual({ detail: expect.any(String), code });
          expect(text).not.toMatch(/secret|FST_|xxxx/);
        };
        await check(`${route}/%zz-secret`, 400, 'malformed_url');
        await check(`${route}/${'x'.repeat(20_000)}`, 431, 'headers_too_large');
        await check(`${route}?constructor=secret`, 400, 'validation');
      }
    });

    it('a NUL in a path id, sent straight to each service, is a 4xx, not a 500', async () => {
      const { serviceUrls } = e2eState();
      const cases: Array<[string, string, string, string]> = [
        ['request-service', 'GET', '/api/v1/requests/%00', clientToken()],
        ['request-service', 'POST', '/api/v1/requests/%00/cancel', clientToken()],
        ['request-service', 'POST', '/api/v1/admin/requests/%00/status', adminToken()],
        ['user-service', 'PATCH', '/api/v1/admin/users/%00', adminToken()],
        ['conversation-service', 'GET', '/api/v1/conversations/%00', clientToken()],
      ];
      for (const [service, method, url, token] of cases) {
        const res = await fetch(`${serviceUrls[service]}${url}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: method === 'GET' ? undefined : '{"status":"in_progress"}',
        });
        const refused = res.status === 400 || res.status === 404;
        expect({ url, status: refused ? '400 or 404' : res.status }).toEqual({
          url,
          status: '400 or 404',
        });
        expect(Object.keys((await res.json()) as object).sort()).toEqual(['code', 'detail']);
      }
    });

    it('a 20 kB URL: 431 in the contract shape at the gateway', async () => {
      for (const url of [
        `/api/v1/requests/${'x'.repeat(20_000)}`,
        `/api/v1/requests?page=1&q=${'y'.repeat(20_000)}`,
      ]) {
        const res = await api('GET', url, { token: clientToken() });
        expectRefusal(res, 431, ['xxxx', 'yyyy']);
        expect(res.body.code).toBe('headers_too_large');
      }
    });
  });

  describe('the chat WebSocket', () => {
    it.each(['2147483648', '9999999999', '99999999999999', '-1'])(
      'refuses the handshake with after_seq=%s with 400 in the contract shape',
      async (afterSeq) => {
        const res = await handshake(
          request.conversation_id,
          `token=${clientToken()}&after_seq=${afterSeq}`,
        );
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body)).toEqual({
          detail: 'after_seq must be an integer from 0 to 2147483647',
          code: 'validation',
        });
      },
    );

    it('refuses a conversation id with malformed percent-encoding with a 4xx', async () => {
      const res = await handshake('%zz', `token=${clientToken()}`);
      expect([400, 404]).toContain(res.status);
      expect(Object.keys(JSON.parse(res.body)).sort()).toEqual(['code', 'detail']);
    });

    it('answers unstorable text and out-of-range seqs with error frames and stores nothing', async () => {
      const token = clientToken();
      const socket = await ChatSocket.open(request.conversation_id, token);
      try {
        const before = await api('GET', `/api/v1/conversations/${request.conversation_id}`, {
          token,
        });
        socket.send('{"type":"message.send","content":"x\\u0000y"}');
        socket.send('{"type":"message.send","content":"\\ud800"}');
        socket.send(`{"type":"read","seq":${2 ** 53 + 2}}`);
        socket.send(`{"type":"typing","is_typing":true,"pad":${deepArray}}`);
        const errors = await socket.waitFor(() => {
          const found = socket.frames.filter((frame) => frame.type === 'error');
          return found.length >= 4 ? found : undefined;
        });
        expect(errors.map((frame) => frame.code)).toEqual([
          'unstorable_text',
          'unstorable_text',
          expect.any(String),
          'nested_too_deeply',
        ]);
        expect(errors.map((frame) => frame.code)).not.toContain('internal');
        socket.send({ type: 'ping' });
        await socket.waitForFrame('pong');
        expect(socket.closeCode).toBeUndefined();
        const after = await api('GET', `/api/v1/conversations/${request.conversation_id}`, {
          token,
        });
        expect(after.body.messages).toHaveLength(before.body.messages.length);
      } finally {
        socket.close();
      }
    });
  });

  describe('afterwards', () => {
    it('every service is still healthy', async () => {
      const res = await api('GET', '/health');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ok');
    });

    it('no log line holds a password, a hash, a row value or a query token', async () => {
      // The services write their lines within 200 ms (buffered output): let the last ones land.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const logsDir = path.join(REPO_ROOT, 'tmp/e2e-logs');
      const logs = readdirSync(logsDir)
        .filter((file) => file.endsWith('.log'))
        .map((file) => readFileSync(path.join(logsDir, file), 'utf8'))
        .join('\n');
      expect(logs.length).toBeGreaterThan(0);
      expect(logs).not.toContain('$argon2');
      expect(logs).not.toContain('"parameters"');
      expect(logs).not.toContain('already exists');
      expect(logs).not.toContain(client.password);
      expect(logs).not.toContain(client.tokens.access_token);
      expect(logs).not.toContain(client.tokens.refresh_token);
    });
  });
});
