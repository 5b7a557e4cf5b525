import { IncomingHttpHeaders, IncomingMessage, Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SeenSocket {
  url: string;
  headers: IncomingHttpHeaders;
  protocol: string;
  received: string[];
  closeCode?: number;
}

/**
 * A stand-in for one upstream service, for the gateway's tests: records what reaches it, echoes
 * requests back as JSON, serves `/health/ready` and `/docs-json`, and runs a WebSocket echo.
 *   /api/.../slow           answers after 1.5 s
 *   /ws/.../missing         refuses the handshake with a JSON 404
 *   a frame "close:<code>"  makes the server close the socket with that code
 */
export class StubUpstream {
  readonly seen: SeenRequest[] = [];
  readonly sockets: SeenSocket[] = [];
  ready = true;
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has('bearer') ? 'bearer' : false),
  });

  private constructor(
    readonly name: string,
    private readonly server: Server,
    private readonly document: object,
  ) {}

  static async start(
    name: string,
    document: object = { openapi: '3.0.0', paths: {} },
  ): Promise<StubUpstream> {
    const server = createServer();
    const stub = new StubUpstream(name, server, document);
    server.on('request', (req, res) => stub.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => stub.onUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return stub;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Requests that reached the stub, probes and docs aside. */
  get apiRequests(): SeenRequest[] {
    return this.seen.filter((req) => !req.url.startsWith('/health') && req.url !== '/docs-json');
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen = {
        method: req.method!,
        url: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      this.seen.push(seen);
      const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/health/ready')
        return json(this.ready ? 200 : 503, { status: this.ready ? 'ok' : 'unavailable' });
      if (req.url === '/docs-json') return json(200, this.document);
      if (req.url!.split('?')[0]!.endsWith('/slow')) {
        setTimeout(() => json(200, { slow: true }), 1500).unref();
        return;
      }
      json(
        req.method === 'POST' ? 201 : 200,
        {
          service: this.name,
          method: seen.method,
          url: seen.url,
          body: seen.body.toString('utf8'),
        },
        { 'x-upstream': this.name },
      );
    });
  }

  private onUpgrade(
    req: IncomingMessage,
    socket: import('node:stream').Duplex,
    head: Buffer,
  ): void {
    if (req.url!.split('?')[0]!.endsWith('/missing')) {
      const body = JSON.stringify({ detail: 'Conversation not found', code: 'not_found' });
      socket.end(
        `HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const seen: SeenSocket = {
        url: req.url!,
        headers: req.headers,
        protocol: ws.protocol,
        received: [],
      };
      this.sockets.push(seen);
      ws.send(JSON.stringify({ type: 'hello', url: req.url }));
      ws.on('message', (data, isBinary) => {
        const text = data.toString();
        seen.received.push(text);
        const close = /^close:(\d+)$/.exec(text);
        if (close) ws.close(Number(close[1]), 'closed by upstream');
        else
          ws.send(isBinary ? data : JSON.stringify({ type: 'echo', data: text }), {
            binary: isBinary,
          });
      });
      ws.on('close', (code) => (seen.closeCode = code));
    });
  }
}

/**
 * The messages a socket receives, from the moment it is created: `ws` may deliver the first one in
 * the same tick as 'open', before an `await` after the handshake could attach a listener.
 */
export class Inbox {
  private readonly messages: string[] = [];
  private readonly waiters: ((message: string) => void)[] = [];

  constructor(ws: WebSocket) {
    ws.on('message', (data) => {
      const text = data.toString();
      const waiter = this.waiters.shift();
      if (waiter) waiter(text);
      else this.messages.push(text);
    });
  }

  next(timeoutMs = 2000): Promise<string> {
    const queued = this.messages.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message arrived')), timeoutMs);
      this.waiters.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  }
}

export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
}
