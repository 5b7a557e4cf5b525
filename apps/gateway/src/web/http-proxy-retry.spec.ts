import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { RouteTable } from '../routing/route-table';
import { TrustedProxies } from './forwarded-headers';
import { registerHttpProxy, retryOnceAfterReset } from './http-proxy';

const dropped = (code: string) => Object.assign(new Error('other side closed'), { code });
const base = { body: undefined, answered: false, attempt: 0 };

describe('retryOnceAfterReset: the one replay the gateway makes', () => {
  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET'])(
    'retries a GET once when its connection was dropped before any answer (%s)',
    (code) => {
      expect(retryOnceAfterReset({ ...base, method: 'GET', error: dropped(code) })).not.toBeNull();
      expect(
        retryOnceAfterReset({ ...base, method: 'GET', error: dropped(code), attempt: 1 }),
      ).toBeNull();
    },
  );

  it('counts the empty body reply-from passes for a GET as none', () => {
    expect(
      retryOnceAfterReset({ ...base, method: 'GET', body: '', error: dropped('UND_ERR_SOCKET') }),
    ).not.toBeNull();
  });

  it('retries HEAD and OPTIONS the same way, and reads a code wrapped in a cause', () => {
    const wrapped = Object.assign(new Error('fetch failed'), { cause: dropped('ECONNRESET') });
    expect(retryOnceAfterReset({ ...base, method: 'HEAD', error: wrapped })).not.toBeNull();
    expect(
      retryOnceAfterReset({ ...base, method: 'OPTIONS', error: dropped('ECONNRESET') }),
    ).not.toBeNull();
  });

  it('never replays a write, nor a request with a body', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(retryOnceAfterReset({ ...base, method, error: dropped('ECONNRESET') })).toBeNull();
    }
    expect(
      retryOnceAfterReset({ ...base, method: 'GET', body: 'x', error: dropped('ECONNRESET') }),
    ).toBeNull();
    expect(
      retryOnceAfterReset({
        ...base,
        method: 'POST',
        body: '',
        error: dropped('ECONNRESET'),
      }),
    ).toBeNull();
  });

  it('passes on answers and other failures (a 503, a timeout) as they are', () => {
    expect(retryOnceAfterReset({ ...base, method: 'GET', error: null, answered: true })).toBeNull();
    expect(
      retryOnceAfterReset({ ...base, method: 'GET', error: dropped('UND_ERR_HEADERS_TIMEOUT') }),
    ).toBeNull();
  });
});

describe('the HTTP proxy and a replica that drops a connection as it shuts down', () => {
  /** An upstream that drops the connection of its first request, unanswered, then answers. */
  async function upstream() {
    let seen = 0;
    const server = createServer((request, response) => {
      seen += 1;
      if (seen === 1) {
        request.socket.destroy();
        return;
      }
      request.resume();
      request.on('end', () => response.end(JSON.stringify({ ok: true })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      url,
      requests: () => seen,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  async function gatewayTo(upstreamUrl: string) {
    const fastify = Fastify();
    await registerHttpProxy(fastify, {
      routes: new RouteTable([
        {
          path: '/api/v1/things',
          match: 'prefix',
          service: 'thing',
          access: 'public',
          websocket: false,
          upstream: upstreamUrl,
        },
      ]),
      auth: { verify: async () => ({ ok: true }) },
      trustedProxies: TrustedProxies.none,
      bodyLimitBytes: 1024 * 1024,
      connectTimeoutMs: 5000,
      upstreamTimeoutMs: 5000,
      log: { warn: () => undefined, error: () => undefined },
    });
    const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
    return { url: `${url}/api/v1/things`, close: () => fastify.close() };
  }

  it('answers a GET from the second try', async () => {
    const replicas = await upstream();
    const gateway = await gatewayTo(replicas.url);
    try {
      const response = await fetch(gateway.url);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ ok: true });
      expect(replicas.requests()).toBe(2);
    } finally {
      await gateway.close();
      await replicas.close();
    }
  });

  it('passes the failure of a POST on (502), never sending it twice', async () => {
    const replicas = await upstream();
    const gateway = await gatewayTo(replicas.url);
    try {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(response.status).toBe(502);
      expect(replicas.requests()).toBe(1);
    } finally {
      await gateway.close();
      await replicas.close();
    }
  });
});
