import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { AddressInfo } from 'node:net';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadGatewaySettings } from '../config';
import { createGatewayApp } from '../gateway-app';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/app-1a2b3c.js"></script></head><body><div id="root"></div></body></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4096))});`;

async function startGateway(
  webAppDir: string,
): Promise<{ app: NestFastifyApplication; url: string }> {
  const settings = loadGatewaySettings({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    METRICS_PORT: '0',
    RATE_LIMIT_ENABLED: 'false',
    USER_SERVICE_URL: 'http://127.0.0.1:9',
    REQUEST_SERVICE_URL: '',
    CONVERSATION_SERVICE_URL: '',
    NOTIFICATION_SERVICE_URL: '',
    WEB_APP_DIR: webAppDir,
  });
  const tokenVerifier = {
    verify: () => Promise.reject(new Error('no token is valid here')),
  };
  const app = await createGatewayApp(settings, { tokenVerifier });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('the web app at / (a built app in WEB_APP_DIR)', () => {
  let dir: string;
  let gateway: { app: NestFastifyApplication; url: string };

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ajla-web-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), INDEX);
    writeFileSync(path.join(dir, 'assets/app-1a2b3c.js'), SCRIPT);
    writeFileSync(path.join(dir, 'assets/app-1a2b3c.js.gz'), gzipSync(SCRIPT));
    writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    gateway = await startGateway(dir);
  });

  afterAll(async () => {
    await gateway?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at /, never cached without revalidation, with the security headers', async () => {
    const res = await fetch(`${gateway.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(INDEX);
  });

  it('serves hashed assets for a year, compressed when the browser accepts it', async () => {
    const res = await fetch(`${gateway.url}/assets/app-1a2b3c.js`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.text()).toBe(SCRIPT); // fetch decompresses

    const other = await fetch(`${gateway.url}/favicon.svg`);
    expect(other.status).toBe(200);
    expect(other.headers.get('cache-control')).toBe('no-cache');
  });

  it("answers a browser's navigation to any page of the app with index.html (the app routes it)", async () => {
    for (const page of [
      '/requests/0190a1b2-0000-7000-8000-000000000000',
      '/sign-in',
      '/nope?x=1',
    ]) {
      const res = await fetch(`${gateway.url}${page}`, { headers: browser });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('keeps the JSON 404 for API clients, the platform paths and missing assets', async () => {
    const cases: [string, Record<string, string>][] = [
      ['/nope', {}],
      ['/assets/missing-123.js', {}],
      ['/api/v1/nothing-here', browser],
      ['/ws/nothing', browser],
      ['/docs/nothing-here', browser],
      ['/health/nothing', browser],
      ['/metrics', browser],
    ];
    for (const [page, headers] of cases) {
      const res = await fetch(`${gateway.url}${page}`, { headers });
      expect({ page, status: res.status }).toEqual({ page, status: 404 });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ detail: 'Not found' });
    }
  });

  it('serves nothing outside its folder', async () => {
    for (const page of ['/..%2f..%2fetc%2fpasswd', '/assets/..%2f..%2fpackage.json', '/%2e%2e/x']) {
      const res = await fetch(`${gateway.url}${page}`, { headers: browser });
      const text = await res.text();
      // Refused, or the app's shell for a page it does not know: never a file from elsewhere.
      expect(res.status === 200 ? text : res.status).toEqual(
        res.status === 200 ? INDEX : expect.any(Number),
      );
      expect(res.status === 200 || (res.status >= 400 && res.status < 500)).toBe(true);
      expect(text).not.toContain('root:');
      expect(text).not.toContain('"dependencies"');
    }
  });

  it('leaves the platform answers as they were (health, docs)', async () => {
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
    const docs = await fetch(`${gateway.url}/docs-json`);
    expect(docs.headers.get('content-type')).toMatch(/^application\/json/);
  });
});

describe('without a built web app', () => {
  it('answers / with the JSON 404, as any unknown path', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'ajla-web-empty-'));
    const gateway = await startGateway(empty);
    try {
      const res = await fetch(`${gateway.url}/`, { headers: browser });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ detail: 'Not found' });
    } finally {
      await gateway.app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
