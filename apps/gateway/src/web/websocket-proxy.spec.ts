import { createHash } from 'node:crypto';
import { IncomingMessage, createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { AuthenticatedUser, RevocationEntry } from '@ajla/auth';
import { RouteTable } from '../routing/route-table';
import { TrustedProxies } from './forwarded-headers';
import { WebSocketProxy } from './websocket-proxy';

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

const CALLER: AuthenticatedUser = {
  id: '0190a5e4-7b1c-7c3e-9f00-000000000001',
  role: 'user',
  tier: 0,
  sessionId: '0190a5e4-7b1c-7c3e-9f00-0000000000a1',
  issuedAt: Math.floor(Date.now() / 1000),
};

/** Polls `check` every 10 ms until it holds (3 s at most). */
async function waitUntil(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 3 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** An upstream answering handshakes with `ws` (an echo), or by hand with `raw`. */
async function upstreamServer(
  handler:
    | { ws: (socket: WebSocket, request: IncomingMessage) => void }
    | { raw: (request: IncomingMessage, socket: Duplex) => void },
) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  const server = createServer();
  const sockets: WebSocket[] = [];
  const raw: Duplex[] = [];
  server.on('upgrade', (request, socket, head) => {
    raw.push(socket);
    if ('raw' in handler) return handler.raw(request, socket);
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.push(ws);
      handler.ws(ws, request);
    });
  });
  const url = await listen(server);
  const close = () => {
    for (const socket of raw) socket.destroy();
    return closeServer(server);
  };
  return { url, sockets, close };
}

/** Accepts a handshake by hand and hands over the raw socket. */
function acceptRaw(request: IncomingMessage, socket: Duplex): void {
  const accept = createHash('sha1')
    .update(`${request.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest('base64');
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
}

/** An upstream that accepts by hand and records the bytes it gets; `side()` is its socket. */
async function recordingUpstream() {
  let side: Duplex | undefined;
  const fromClient: Buffer[] = [];
  const server = await upstreamServer({
    raw: (request, socket) => {
      acceptRaw(request, socket);
      side = socket;
      socket.on('data', (chunk: Buffer) => fromClient.push(chunk));
    },
  });
  return { ...server, fromClient, side: () => side! };
}

async function gatewayTo(upstreamUrl: string, handshakeTimeoutMs = 5000) {
  const revocationListeners: ((entry: RevocationEntry) => void)[] = [];
  const frames = { in: 0, out: 0 };
  const proxy = new WebSocketProxy({
    routes: new RouteTable([
      {
        path: '/ws/chat',
        match: 'prefix',
        service: 'conversation',
        access: 'protected',
        websocket: true,
        upstream: upstreamUrl,
      },
    ]),
    auth: { verify: async () => ({ ok: true, caller: CALLER }) },
    trustedProxies: TrustedProxies.none,
    handshakeTimeoutMs,
    shutdownGraceMs: 1000,
    log: { warn: () => undefined, error: () => undefined },
    revocations: {
      onEntry: (listener) => {
        revocationListeners.push(listener);
        return () => undefined;
      },
    },
    metrics: {
      opened: () => undefined,
      closed: () => undefined,
      refused: () => undefined,
      frames: () => ({
        fromClient: (n) => (frames.in += n),
        toClient: (n) => (frames.out += n),
      }),
    },
  });
  const server = createServer();
  /** The gateway's side of each client connection. */
  const clientSockets: Socket[] = [];
  server.on('upgrade', (_request, socket: Socket) => clientSockets.push(socket));
  proxy.attach(server);
  const url = (await listen(server)).replace(/^http/, 'ws');
  const revoke = () =>
    revocationListeners.forEach((listener) =>
      listener({
        kind: 'session_revoked',
        sessionId: CALLER.sessionId,
        userId: CALLER.id,
        at: Date.now(),
        until: Date.now() + 60_000,
      } as RevocationEntry),
    );
  return {
    url,
    proxy,
    frames,
    revoke,
    clientSockets,
    close: async () => {
      await proxy.shutdown(100);
      await closeServer(server);
    },
  };
}

type Opened = { ws: WebSocket; received: (Buffer | string)[] };

function connect(url: string): Promise<Opened | { status: number; body: string; headers: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/ws/chat/1?token=t`, { maxPayload: 64 * 1024 * 1024 });
    const received: (Buffer | string)[] = [];
    ws.on('message', (data: Buffer, isBinary) => received.push(isBinary ? data : data.toString()));
    ws.once('open', () => resolve({ ws, received }));
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body, headers: response.headers }),
      );
    });
    ws.once('error', reject);
  });
}

async function open(url: string): Promise<Opened> {
  const outcome = await connect(url);
  if (!('ws' in outcome)) throw new Error(`refused with ${outcome.status}`);
  return outcome;
}

const closed = (ws: WebSocket) =>
  new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );

/** An unmasked close frame, as a server writes it. */
const closeFrameFrom = (code: number, reason: string): Buffer => {
  const payload = Buffer.alloc(2 + reason.length);
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return Buffer.concat([Buffer.from([0x88, payload.length]), payload]);
};

/** The codes of the close frames in a stream of control frames (masked or not, short payloads). */
function closeCodes(bytes: Buffer): number[] {
  const codes: number[] = [];
  for (let at = 0; at + 2 <= bytes.length;) {
    const masked = (bytes[at + 1]! & 0x80) !== 0;
    const length = bytes[at + 1]! & 0x7f;
    const start = at + 2 + (masked ? 4 : 0);
    if ((bytes[at]! & 0x0f) === 0x8) {
      const mask = masked ? bytes.subarray(at + 2, at + 6) : Buffer.alloc(4);
      codes.push(((bytes[start]! ^ mask[0]!) << 8) | (bytes[start + 1]! ^ mask[1]!));
    }
    at = start + length;
  }
  return codes;
}

describe('the WebSocket proxy, relaying raw bytes', () => {
  let teardown: (() => Promise<void>)[] = [];
  afterEach(async () => {
    const steps = teardown.reverse();
    teardown = [];
    for (const step of steps) await step();
  });
  const started = async <T extends { close: () => Promise<void> }>(thing: Promise<T>) => {
    const value = await thing;
    teardown.push(value.close);
    return value;
  };

  it('relays frames both ways, counts data messages, and a close code end to end', async () => {
    const upstream = await started(
      upstreamServer({
        ws: (ws) => {
          ws.send('hello');
          ws.on('message', (data, isBinary) => {
            if (data.toString() === 'bye') ws.close(4001, 'closed by upstream');
            else ws.send(data, { binary: isBinary });
          });
        },
      }),
    );
    const gateway = await started(gatewayTo(upstream.url));
    const { ws, received } = await open(gateway.url);
    ws.send('one');
    ws.send(Buffer.from([1, 2, 3]));
    await waitUntil(() => received.length === 3);
    expect(received).toEqual(['hello', 'one', Buffer.from([1, 2, 3])]);
    const done = closed(ws);
    ws.send('bye');
    expect(await done).toEqual({ code: 4001, reason: 'closed by upstream' });
    expect(gateway.frames).toEqual({ in: 3, out: 3 });
    await waitUntil(() => gateway.proxy.openConnections === 0);
  });

  it('passes an 8 MiB frame through intact, both ways', async () => {
    const upstream = await started(
      upstreamServer({ ws: (ws) => ws.on('message', (data) => ws.send(data)) }),
    );
    const gateway = await started(gatewayTo(upstream.url));
    const { ws, received } = await open(gateway.url);
    const big = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32BE(i, i);
    ws.send(big);
    await waitUntil(() => received.length === 1);
    expect(Buffer.compare(received[0] as Buffer, big)).toBe(0);
    ws.close();
  });

  it('relays the upstream refusal: status, JSON body, X-Request-Id', async () => {
    const upstream = await started(
      upstreamServer({
        raw: (_request, socket) => {
          const body = '{"detail":"Conversation not found","code":"not_found"}';
          socket.end(
            `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
          );
        },
      }),
    );
    const gateway = await started(gatewayTo(upstream.url));
    const outcome = await connect(gateway.url);
    expect(outcome).toMatchObject({ status: 404 });
    const refusal = outcome as { body: string; headers: Record<string, string> };
    expect(JSON.parse(refusal.body)).toEqual({
      detail: 'Conversation not found',
      code: 'not_found',
    });
    expect(refusal.headers['content-type']).toBe('application/json');
    expect(refusal.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 502 when the upstream accepts with a wrong Sec-WebSocket-Accept', async () => {
    const upstream = await started(
      upstreamServer({
        raw: (_request, socket) =>
          socket.write(
            'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm90IHRoZSBvbmU=\r\n\r\n',
          ),
      }),
    );
    const gateway = await started(gatewayTo(upstream.url));
    const outcome = await connect(gateway.url);
    expect(outcome).toMatchObject({ status: 502 });
  });

  it('answers 504 when the upstream does not answer the handshake in time', async () => {
    const upstream = await started(upstreamServer({ raw: () => undefined }));
    const gateway = await started(gatewayTo(upstream.url, 200));
    const outcome = await connect(gateway.url);
    expect(outcome).toMatchObject({ status: 504 });
    expect(JSON.parse((outcome as { body: string }).body).detail).toBe(
      'The conversation service did not answer in time',
    );
  });

  it('refuses invalid or duplicated subprotocols before the upstream', async () => {
    let handshakes = 0;
    const upstream = await started(upstreamServer({ raw: () => void handshakes++ }));
    const gateway = await started(gatewayTo(upstream.url));
    const status = await new Promise<number>((resolve) => {
      const { port } = new URL(gateway.url);
      const request = httpRequest({
        port,
        host: '127.0.0.1',
        path: '/ws/chat/1?token=t',
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-protocol': 'bearer, bearer',
        },
      });
      request.on('response', (response: IncomingMessage) => resolve(response.statusCode ?? 0));
      request.end();
    });
    expect(status).toBe(400);
    expect(handshakes).toBe(0);
  });

  it('closes a revoked connection with 1008 on both sides, after the frame in flight', async () => {
    const upstream = await started(recordingUpstream());
    const fromClient = upstream.fromClient;
    const gateway = await started(gatewayTo(upstream.url));
    const { ws, received } = await open(gateway.url);
    // Half of a 100-byte text frame: the gateway must not cut into it.
    const payload = Buffer.alloc(100, 0x61);
    const frame = Buffer.concat([Buffer.from([0x81, 100]), payload]);
    upstream.side().write(frame.subarray(0, 52));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const done = closed(ws);
    gateway.revoke();
    await new Promise((resolve) => setTimeout(resolve, 50));
    upstream.side().write(frame.subarray(52));
    expect(await done).toEqual({ code: 1008, reason: 'session revoked' });
    expect(received).toEqual(['a'.repeat(100)]);
    // The upstream got a masked close frame 1008 with the same reason.
    await waitUntil(() => Buffer.concat(fromClient).length >= 6 + 17);
    const bytes = Buffer.concat(fromClient);
    expect(bytes[0]).toBe(0x88);
    expect(bytes[1]).toBe(0x80 | 17);
    const mask = bytes.subarray(2, 6);
    const unmasked = Buffer.from(bytes.subarray(6, 6 + 17).map((b, i) => b ^ mask[i % 4]!));
    expect(unmasked.readUInt16BE(0)).toBe(1008);
    expect(unmasked.subarray(2).toString()).toBe('session revoked');
    upstream.side().end();
    await waitUntil(() => gateway.proxy.openConnections === 0);
  });

  it('closes a revoked connection to a ws upstream: 1008 seen by both', async () => {
    const upstreamCloses: number[] = [];
    const upstream = await started(
      upstreamServer({ ws: (ws) => ws.on('close', (code) => upstreamCloses.push(code)) }),
    );
    const gateway = await started(gatewayTo(upstream.url));
    const { ws } = await open(gateway.url);
    const done = closed(ws);
    gateway.revoke();
    expect(await done).toEqual({ code: 1008, reason: 'session revoked' });
    await waitUntil(() => upstreamCloses.length === 1);
    expect(upstreamCloses).toEqual([1008]);
    await waitUntil(() => gateway.proxy.openConnections === 0);
  });

  it('adds no close frame of its own after an endpoint closed first (one close frame each way)', async () => {
    const upstream = await started(recordingUpstream());
    const fromClient = upstream.fromClient;
    const gateway = await started(gatewayTo(upstream.url));
    const { ws } = await open(gateway.url);
    const toClient: Buffer[] = [];
    (ws as unknown as { _socket: Socket })._socket.on('data', (chunk: Buffer) =>
      toClient.push(chunk),
    );
    // The upstream closes (as a service does when the session ends), and then the gateway
    // learns of the revocation too: the client must see one close frame, the upstream's.
    upstream.side().write(closeFrameFrom(4001, 'closed by upstream'));
    await waitUntil(() => toClient.length > 0);
    gateway.revoke();
    // The client answered the upstream's close: that answer is the one close frame upstream gets.
    await waitUntil(() => fromClient.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(closeCodes(Buffer.concat(toClient))).toEqual([4001]);
    expect(closeCodes(Buffer.concat(fromClient))).toEqual([4001]);
    upstream.side().end();
    await waitUntil(() => gateway.proxy.openConnections === 0);
  });

  it('drops the upstream connection when the client drops mid-frame', async () => {
    const upstreamCloses: number[] = [];
    const upstream = await started(
      upstreamServer({ ws: (ws) => ws.on('close', (code) => upstreamCloses.push(code)) }),
    );
    const gateway = await started(gatewayTo(upstream.url));
    const { ws } = await open(gateway.url);
    expect(gateway.proxy.openConnections).toBe(1);
    // Half of a masked 256-byte binary frame, then the connection is gone.
    const half = Buffer.concat([
      Buffer.from([0x82, 0xfe, 0x01, 0x00, 1, 2, 3, 4]),
      Buffer.alloc(100),
    ]);
    (ws as unknown as { _socket: Socket })._socket.write(half);
    ws.terminate();
    await waitUntil(() => upstreamCloses.length === 1);
    expect(upstreamCloses).toEqual([1006]);
    await waitUntil(() => gateway.proxy.openConnections === 0);
  });

  it('drops the client connection when the upstream drops mid-stream', async () => {
    const upstream = await started(
      upstreamServer({ ws: (ws) => ws.on('message', () => ws.terminate()) }),
    );
    const gateway = await started(gatewayTo(upstream.url));
    const { ws } = await open(gateway.url);
    const done = closed(ws);
    ws.send('drop me');
    expect((await done).code).toBe(1006);
    await waitUntil(() => gateway.proxy.openConnections === 0);
  });

  it('holds back a fast upstream while the client does not read, buffering little', async () => {
    const total = 64 * 1024 * 1024;
    let upstreamSocket: WebSocket | undefined;
    const upstream = await started(
      upstreamServer({
        ws: (ws) => {
          upstreamSocket = ws;
          const frame = Buffer.alloc(1024 * 1024, 0x5a);
          for (let sent = 0; sent < total; sent += frame.length) ws.send(frame);
        },
      }),
    );
    const gateway = await started(gatewayTo(upstream.url));
    const { ws, received } = await open(gateway.url);
    ws.pause();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const gatewaySide = gateway.clientSockets[0]!;
    // The upstream still holds most of it (TCP flow control reached it), the gateway little.
    expect(upstreamSocket!.bufferedAmount).toBeGreaterThan(total / 4);
    expect(gatewaySide.writableLength).toBeLessThan(1024 * 1024);
    ws.resume();
    await waitUntil(() => received.length === 64);
    expect((received as Buffer[]).reduce((sum, b) => sum + b.length, 0)).toBe(total);
    ws.close();
  }, 20_000);

  it('closes every link with 1001 at shutdown and refuses new upgrades with 503', async () => {
    const upstreamCloses: number[] = [];
    const upstream = await started(
      upstreamServer({ ws: (ws) => ws.on('close', (code) => upstreamCloses.push(code)) }),
    );
    const gateway = await started(gatewayTo(upstream.url));
    const { ws } = await open(gateway.url);
    const done = closed(ws);
    await gateway.proxy.shutdown(1000);
    expect(await done).toEqual({ code: 1001, reason: 'Server shutting down' });
    await waitUntil(() => upstreamCloses.length === 1);
    expect(upstreamCloses).toEqual([1001]);
    expect(await connect(gateway.url)).toMatchObject({ status: 503 });
  });
});
