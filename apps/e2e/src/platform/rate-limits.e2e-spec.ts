import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import WebSocket from 'ws';
import { freePort, uniqueRedisPrefix } from '@ajla/testing';
import { newClient } from '../support/api';
import { REPO_ROOT, e2eState } from '../support/state';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/**
 * One request to `base` from a given loopback address: the gateway takes the socket's address as
 * the client's, so each test has an address of its own.
 */
function call(
  base: string,
  method: string,
  pathname: string,
  options: { from: string; token?: string; body?: unknown },
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string | number> = {};
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(payload);
  }
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL(pathname, base),
      { method, localAddress: options.from, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const json = (res.headers['content-type'] ?? '').includes('json') && text.length > 0;
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: json ? JSON.parse(text) : text,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Opens a WebSocket, resolving with the socket or with the HTTP answer that refused it. */
function upgrade(url: string, from: string): Promise<WebSocket | Answer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { localAddress: from });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (request, response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => {
        request.destroy();
        resolve({
          status: response.statusCode!,
          headers: response.headers,
          body: JSON.parse(text),
        });
      });
    });
    ws.once('error', reject);
  });
}

/** A second gateway on the running platform, with limits tight enough to reach in a test. */
class TightGateway {
  private constructor(
    readonly process: ChildProcess,
    readonly url: string,
    readonly metricsUrl: string,
  ) {}

  static async start(): Promise<TightGateway> {
    const state = e2eState();
    const [port, metricsPort] = [await freePort(), await freePort()];
    const urls: NodeJS.ProcessEnv = { NOTIFICATION_SERVICE_URL: '' };
    for (const [app, url] of Object.entries(state.serviceUrls)) {
      urls[`${app.replace(/-service$/, '').toUpperCase()}_SERVICE_URL`] = url;
    }
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/apps/gateway/src/main.js')], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...urls,
        NODE_ENV: 'test',
        PORT: String(port),
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        REDIS_KEY_PREFIX: uniqueRedisPrefix('e2e-limits'),
        JWT_KEYS_DIR: state.keysDir,
        METRICS_PORT: String(metricsPort),
        RATE_LIMIT_AUTH_PER_ADDRESS: '3',
        RATE_LIMIT_AUTH_WINDOW_SECONDS: '60',
        RATE_LIMIT_READ_PER_ADDRESS: '0',
        RATE_LIMIT_READ_PER_USER: '3',
        RATE_LIMIT_READ_WINDOW_SECONDS: '60',
        // A short window, so that the test can wait for it to slide.
        RATE_LIMIT_WRITE_PER_ADDRESS: '0',
        RATE_LIMIT_WRITE_PER_USER: '2',
        RATE_LIMIT_WRITE_WINDOW_SECONDS: '6',
        RATE_LIMIT_WEBSOCKET_PER_ADDRESS: '0',
        RATE_LIMIT_WEBSOCKET_PER_USER: '1',
        RATE_LIMIT_WEBSOCKET_WINDOW_SECONDS: '60',
      },
    });
    const log = createWriteStream(path.join(REPO_ROOT, 'tmp/e2e-logs', 'gateway-rate-limits.log'));
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const gateway = new TightGateway(
      child,
      `http://127.0.0.1:${port}`,
      `http://127.0.0.1:${metricsPort}`,
    );
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the gateway exited (${child.exitCode})`);
      const ok = await fetch(`${gateway.url}/health/ready`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return gateway;
      if (Date.now() > deadline) throw new Error('the gateway did not become ready');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null)
      return Promise.resolve();
    return new Promise((resolve) => {
      this.process.once('exit', () => resolve());
      this.process.kill('SIGTERM');
    });
  }
}

function expectLimited(res: Answer, policy: string): number {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual({ detail: expect.any(String), code: 'rate_limited' });
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  expect(res.headers['ratelimit-policy']).toContain(`"${policy}";q=`);
  expect(res.headers['ratelimit']).toContain(`"${policy}";r=0;t=${retryAfter}`);
  return retryAfter;
}

describe('platform-wide rate limits (a gateway of its own with tight limits)', () => {
  let gateway: TightGateway;

  beforeAll(async () => {
    gateway = await TightGateway.start();
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('limits one address on the auth routes, and not its neighbour', async () => {
    const from = '127.0.8.1';
    const attempt = (address: string) =>
      call(gateway.url, 'POST', '/api/v1/auth/login', {
        from: address,
        body: { email: 'nobody.here@ajla.test', password: 'wrong password' },
      });
    for (let i = 0; i < 3; i++) {
      const res = await attempt(from);
      expect(res.status).toBe(401);
      expect(res.headers['ratelimit-policy']).toBe('"auth-per-address";q=3;w=60');
      expect(res.headers['ratelimit']).toMatch(
        new RegExp(`^"auth-per-address";r=${2 - i};t=\\d+$`),
      );
    }
    expectLimited(await attempt(from), 'auth-per-address');
    expect((await attempt('127.0.8.2')).status).toBe(401);
  });

  it('limits each user on their own, two users from one address counted apart', async () => {
    const [alice, bob] = [await newClient('Alice'), await newClient('Bob')];
    const from = '127.0.8.3';
    const me = (token: string) => call(gateway.url, 'GET', '/api/v1/users/me', { from, token });
    for (let i = 0; i < 3; i++) expect((await me(alice.tokens.access_token)).status).toBe(200);
    expectLimited(await me(alice.tokens.access_token), 'read-per-user');

    const other = await me(bob.tokens.access_token);
    expect(other.status).toBe(200);
    expect(other.body.id).toBe(bob.id);
    expect(other.headers['ratelimit']).toMatch(/^"read-per-user";r=2;t=\d+$/);
  });

  it('slides: after Retry-After the next request passes', async () => {
    const client = await newClient('Slider');
    const from = '127.0.8.4';
    const rename = (name: string) =>
      call(gateway.url, 'PUT', '/api/v1/users/me', {
        from,
        token: client.tokens.access_token,
        body: { full_name: name },
      });
    expect((await rename('One')).status).toBe(200);
    expect((await rename('Two')).status).toBe(200);
    const retryAfter = expectLimited(await rename('Three'), 'write-per-user');

    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    const passed = await rename('Four');
    expect(passed.status).toBe(200);
    expect(passed.body.full_name).toBe('Four');
  }, 20_000); // waits out a 6 s window; `npm test` runs every project with Jest's 5 s default

  it('answers a WebSocket upgrade over the limit with an HTTP 429 at the handshake', async () => {
    const client = await newClient('Socket');
    const from = '127.0.8.5';
    // Not a conversation of theirs: the first handshake is refused by conversation-service (404),
    // but the gateway counted it.
    const url = `${gateway.url.replace(/^http/, 'ws')}/ws/chat/0190a5e4-7b1c-7c3e-9f00-00000000c0de?token=${client.tokens.access_token}`;
    const first = await upgrade(url, from);
    expect(first).not.toBeInstanceOf(WebSocket);
    expect((first as Answer).status).toBe(404);

    const refused = (await upgrade(url, from)) as Answer;
    expectLimited(refused, 'websocket-per-user');
  });

  it('answers /metrics on the public port with 404 and serves it on the metrics port', async () => {
    const hidden = await call(gateway.url, 'GET', '/metrics', { from: '127.0.8.6' });
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ detail: 'Not found', code: 'not_found' });

    const scraped = await fetch(`${gateway.metricsUrl}/metrics`);
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(text).toMatch(/gateway_rate_limited_total\{[^}]*group="auth",policy="address"[^}]*\} 1/);
    expect(text).toMatch(/gateway_rate_limited_total\{[^}]*group="read",policy="user"[^}]*\} 1/);
  });

  it("keeps /metrics off the public port of the suite's gateway too", async () => {
    const res = await fetch(`${e2eState().gatewayUrl}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not found', code: 'not_found' });
  });
});
