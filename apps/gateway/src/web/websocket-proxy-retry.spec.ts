import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { RouteTable } from '../routing/route-table';
import { TrustedProxies } from './forwarded-headers';
import { WebSocketProxy } from './websocket-proxy';

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * An upstream address in front of two replicas, the first one leaving: `refusals` handshakes are
 * answered as a draining replica does (503, or the connection dropped), the next are accepted.
 */
async function upstream(refuse: 'with 503' | 'by dropping', refusals: number) {
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`echo ${data.toString()}`)));
  let seen = 0;
  const server = createServer();
  server.on('upgrade', (request, socket, head) => {
    seen += 1;
    if (seen <= refusals) {
      if (refuse === 'by dropping') socket.destroy();
      else socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  const url = await listen(server);
  return { url, handshakes: () => seen, close: () => close(server) };
}

async function gatewayTo(upstreamUrl: string) {
  const proxy = new WebSocketProxy({
    routes: new RouteTable([
      {
        path: '/ws/chat',
        match: 'prefix',
        service: 'conversation',
        access: 'public',
        websocket: true,
        upstream: upstreamUrl,
      },
    ]),
    auth: { verify: async () => ({ ok: true }) },
    trustedProxies: TrustedProxies.none,
    handshakeTimeoutMs: 5000,
    shutdownGraceMs: 1000,
    log: { warn: () => undefined, error: () => undefined },
  });
  const server = createServer();
  proxy.attach(server);
  const url = (await listen(server)).replace(/^http/, 'ws');
  return { url, close: () => close(server) };
}

function connect(url: string): Promise<{ opened: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/ws/chat/1`);
    ws.once('open', () => resolve({ opened: ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('error', reject);
  });
}

describe('the WebSocket proxy and a replica that is shutting down', () => {
  it.each(['with 503', 'by dropping'] as const)(
    'tries the handshake once more when the upstream refuses it %s',
    async (refuse) => {
      const replicas = await upstream(refuse, 1);
      const gateway = await gatewayTo(replicas.url);
      try {
        const outcome = await connect(gateway.url);
        expect(outcome).toHaveProperty('opened');
        const ws = (outcome as { opened: WebSocket }).opened;
        const echo = new Promise<string>((resolve) =>
          ws.once('message', (data) => resolve(data.toString())),
        );
        ws.send('hello');
        expect(await echo).toBe('echo hello');
        expect(replicas.handshakes()).toBe(2);
        ws.close();
      } finally {
        await gateway.close();
        await replicas.close();
      }
    },
  );

  it('tries only once: a second refusal reaches the client', async () => {
    const replicas = await upstream('with 503', 2);
    const gateway = await gatewayTo(replicas.url);
    try {
      expect(await connect(gateway.url)).toEqual({ status: 503 });
      expect(replicas.handshakes()).toBe(2);
    } finally {
      await gateway.close();
      await replicas.close();
    }
  });
});
