import { Module, UseFilters } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { NotFoundError, UnauthenticatedError, ValidationError } from '@ajla/shared-kernel';
import { WebSocket } from 'ws';
import { ErrorFrameFilter, FrameError, type TypedFrame } from './frames';
import { UpgradeRefusal, WsGatewayAdapter, type WsGatewayServer } from './ws-gateway-adapter';

const refusedStatuses: number[] = [];
/** The texts the echo handler was called with. */
const echoed: unknown[] = [];
const rooms = new WeakMap<WebSocket, string>();

/** A gateway of the kind a service writes: a path parameter, a checked upgrade, typed frames. */
@WebSocketGateway({ path: '/ws/rooms/:room_id' })
@UseFilters(ErrorFrameFilter)
class RoomGateway implements OnGatewayInit<WsGatewayServer<{ room: string }>>, OnGatewayConnection {
  afterInit(server: WsGatewayServer<{ room: string }>): void {
    server.configure({
      admit: async ({ params, query }) => {
        if (query.get('token') !== 'good') {
          throw new UnauthenticatedError('Missing access token', 'missing_token');
        }
        if (params.room_id === 'secret')
          throw new NotFoundError('Room not found', 'room_not_found');
        if (params.room_id === 'busy') {
          throw new UpgradeRefusal({
            status: 503,
            body: { detail: 'Try again shortly', code: 'unavailable' },
            headers: { 'Retry-After': '1' },
          });
        }
        return { room: params.room_id! };
      },
      maxPayload: 1024,
      heartbeatMs: 60_000,
      rate: { burst: 20, perSecond: 0.001 },
      onRefused: (status) => refusedStatuses.push(status),
    });
  }

  handleConnection(ws: WebSocket, _request: unknown, admission: { room: string }): void {
    rooms.set(ws, admission.room);
  }

  @SubscribeMessage('echo')
  echo(ws: WebSocket, frame: TypedFrame): object {
    echoed.push(frame.text);
    return { type: 'echo', room: rooms.get(ws), text: frame.text };
  }

  /** Answers after a while: a later, quick frame must still be answered after it. */
  @SubscribeMessage('slow')
  async slow(_ws: WebSocket, frame: TypedFrame): Promise<object> {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return { type: 'slow', n: frame.n };
  }

  /** Ends the connection, as a revocation does. */
  @SubscribeMessage('quit')
  quit(ws: WebSocket): void {
    ws.close(4000, 'bye');
  }

  @SubscribeMessage('refuse')
  refuse(): void {
    throw new ValidationError('content must not be empty', 'empty_content');
  }

  @SubscribeMessage('check')
  check(): void {
    throw new FrameError('invalid_frame', 'property x should not exist');
  }

  @SubscribeMessage('crash')
  crash(): void {
    throw new Error('a bug');
  }
}

@Module({ providers: [RoomGateway] })
class RoomModule {}

interface Client {
  ws: WebSocket;
  frames: any[];
  next(): Promise<any>;
  closed: Promise<number>;
}

describe('WsGatewayAdapter', () => {
  let app: NestFastifyApplication;
  let adapter: WsGatewayAdapter;
  let url: string;

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(RoomModule, new FastifyAdapter(), {
      logger: false,
    });
    adapter = new WsGatewayAdapter(app.getHttpServer());
    app.useWebSocketAdapter(adapter);
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    url = `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await app?.close();
  });

  function open(path: string): Promise<Client> {
    const ws = new WebSocket(`${url}${path}`);
    const frames: any[] = [];
    let seen = 0;
    let wake: (() => void) | undefined;
    ws.on('message', (data) => {
      frames.push(JSON.parse(String(data)));
      wake?.();
    });
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    const next = async (): Promise<any> => {
      while (frames.length <= seen) await new Promise<void>((resolve) => (wake = resolve));
      return frames[seen++];
    };
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, frames, next, closed }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () =>
          reject({ status: res.statusCode, headers: res.headers, body: JSON.parse(body) }),
        );
      });
      ws.once('error', reject);
    });
  }

  const refused = (path: string) =>
    open(path).then(
      () => {
        throw new Error(`${path} was accepted`);
      },
      (answer) => answer as { status: number; headers: Record<string, string>; body: unknown },
    );

  it("passes the path's parameter, percent-decoded, to the gateway", async () => {
    const client = await open('/ws/rooms/caf%C3%A9?token=good');
    client.ws.send(JSON.stringify({ type: 'echo', text: 'hi' }));
    expect(await client.next()).toEqual({ type: 'echo', room: 'café', text: 'hi' });
    client.ws.close();
  });

  it('refuses an upgrade with an HTTP status and a JSON body, before any socket is opened', async () => {
    refusedStatuses.length = 0;
    const noToken = await refused('/ws/rooms/lobby');
    expect(noToken.status).toBe(401);
    expect(noToken.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(noToken.body).toEqual({ detail: 'Missing access token', code: 'missing_token' });
    expect(await refused('/ws/rooms/secret?token=good')).toMatchObject({
      status: 404,
      body: { detail: 'Room not found', code: 'room_not_found' },
    });
    const busy = await refused('/ws/rooms/busy?token=good');
    expect(busy).toMatchObject({
      status: 503,
      body: { detail: 'Try again shortly', code: 'unavailable' },
    });
    expect(busy.headers['retry-after']).toBe('1');
    const malformed = await refused('/ws/rooms/%zz?token=good');
    expect(malformed).toMatchObject({
      status: 404,
      body: { detail: 'Not found', code: 'not_found' },
    });
    expect(refusedStatuses).toEqual([401, 404, 503, 404]);
    // A path no gateway has: 404 too, and not the room gateway's refusal.
    for (const path of [
      '/ws/other?token=good',
      '/ws/rooms?token=good',
      '/ws/rooms/a/b?token=good',
    ]) {
      expect(await refused(path)).toMatchObject({
        status: 404,
        body: { detail: 'Not found', code: 'not_found' },
      });
    }
    expect(refusedStatuses).toHaveLength(4);
  });

  it("dispatches on the frame's type and answers in the order of the frames", async () => {
    const client = await open('/ws/rooms/lobby?token=good');
    client.ws.send(JSON.stringify({ type: 'slow', n: 1 }));
    client.ws.send(JSON.stringify({ type: 'echo', text: 'after' }));
    client.ws.send(JSON.stringify({ type: 'slow', n: 2 }));
    expect(await client.next()).toEqual({ type: 'slow', n: 1 });
    expect(await client.next()).toEqual({ type: 'echo', room: 'lobby', text: 'after' });
    expect(await client.next()).toEqual({ type: 'slow', n: 2 });
    client.ws.close();
  });

  it('answers a bad frame or a failed handler with an error frame, and the connection stays', async () => {
    const client = await open('/ws/rooms/lobby?token=good');
    const cases: [string | Buffer, object][] = [
      ['{"type":"dance"}', { code: 'unknown_type', detail: 'unknown frame type "dance"' }],
      ['{"type":"toString"}', { code: 'unknown_type' }],
      ['{"event":"echo","data":{}}', { code: 'invalid_frame', detail: 'type must be a string' }],
      ['not json', { code: 'malformed_json' }],
      ['[1]', { code: 'invalid_frame' }],
      ['{"type":"echo","__proto__":{}}', { code: 'invalid_frame' }],
      ['{"type":"echo","text":"a\\u0000b"}', { code: 'unstorable_text' }],
      ['{"type":"refuse"}', { code: 'empty_content', detail: 'content must not be empty' }],
      ['{"type":"check"}', { code: 'invalid_frame', detail: 'property x should not exist' }],
      ['{"type":"crash"}', { code: 'internal', detail: 'Internal server error' }],
      [Buffer.from([1, 2]), { code: 'invalid_frame', detail: 'frames are JSON text' }],
    ];
    for (const [frame, error] of cases) {
      client.ws.send(frame, { binary: Buffer.isBuffer(frame) });
      expect(await client.next()).toEqual({ type: 'error', ...error, detail: expect.any(String) });
      expect(client.frames.at(-1)).toMatchObject(error);
    }
    client.ws.send(JSON.stringify({ type: 'echo', text: 'still here' }));
    expect(await client.next()).toMatchObject({ type: 'echo', text: 'still here' });
    client.ws.close();
  });

  it("names the refused frame's client_id in its error frame, whether the handler or the parse refused it", async () => {
    const client = await open('/ws/rooms/lobby?token=good');
    const cases: [string, object][] = [
      ['{"type":"refuse","client_id":"c-1"}', { code: 'empty_content', client_id: 'c-1' }],
      ['{"type":"crash","client_id":"c-2"}', { code: 'internal', client_id: 'c-2' }],
      ['{"type":"dance","client_id":"c-3"}', { code: 'unknown_type', client_id: 'c-3' }],
      [
        '{"type":"echo","text":"a\\u0000b","client_id":"c-4"}',
        { code: 'unstorable_text', client_id: 'c-4' },
      ],
    ];
    for (const [frame, error] of cases) {
      client.ws.send(frame);
      expect(await client.next()).toEqual({ type: 'error', detail: expect.any(String), ...error });
    }
    // Only a short string is echoed.
    for (const clientId of [{ nested: 1 }, 'x'.repeat(101), 7]) {
      client.ws.send(JSON.stringify({ type: 'refuse', client_id: clientId }));
      expect(await client.next()).not.toHaveProperty('client_id');
    }
    client.ws.close();
  });

  it('answers the frames a connection may send, then closes a flooding one with 1008', async () => {
    const client = await open('/ws/rooms/lobby?token=good');
    // A burst of 20: the 21st frame floods. The 20 taken are answered (the first one slowly).
    client.ws.send(JSON.stringify({ type: 'slow', n: 1 }));
    for (let n = 2; n <= 23; n++) client.ws.send(JSON.stringify({ type: 'echo', text: n }));
    expect(await client.closed).toBe(1008);
    expect(client.frames).toHaveLength(20);
    expect(client.frames[0]).toEqual({ type: 'slow', n: 1 });
    expect(client.frames.at(-1)).toEqual({ type: 'echo', room: 'lobby', text: 20 });
  });

  it('handles no frame of a socket whose close began, queued ones included', async () => {
    const client = await open('/ws/rooms/lobby?token=good');
    client.ws.send(JSON.stringify({ type: 'slow', n: 1 }));
    client.ws.send(JSON.stringify({ type: 'quit' }));
    client.ws.send(JSON.stringify({ type: 'echo', text: 'after quit' }));
    expect(await client.closed).toBe(4000);
    expect(client.frames).toEqual([{ type: 'slow', n: 1 }]);
    expect(echoed).not.toContain('after quit');
  });

  it('closes a frame larger than maxPayload with 1009', async () => {
    const client = await open('/ws/rooms/lobby?token=good');
    client.ws.send(JSON.stringify({ type: 'echo', text: 'x'.repeat(2000) }));
    expect(await client.closed).toBe(1009);
  });

  it('on shutdown answers upgrades 503 from SIGTERM on, then closes every socket with 1001', async () => {
    const client = await open('/ws/rooms/lobby?token=good');
    adapter.drain(); // what the SIGTERM handler of createServiceApp calls
    expect(await refused('/ws/rooms/lobby?token=good')).toMatchObject({
      status: 503,
      body: { detail: 'Service is shutting down', code: 'unavailable' },
    });
    client.ws.send(JSON.stringify({ type: 'echo', text: 'still open' }));
    expect(await client.next()).toMatchObject({ type: 'echo', text: 'still open' });
    await app.close();
    expect(await client.closed).toBe(1001);
  });
});
