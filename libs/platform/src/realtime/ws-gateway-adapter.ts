import { EventEmitter } from 'node:events';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { NotFoundError } from '@ajla/shared-kernel';
import { WebSocket, WebSocketServer, type RawData, type ServerOptions } from 'ws';
import { errorAnswer, SHUTTING_DOWN, type ErrorAnswer } from '../http/domain-exception.filter';
import {
  CORRELATION_ID_HEADER,
  createRequestContext,
  runWithRequestContext,
  TRACEPARENT_HEADER,
  type RequestContext,
} from '../http/request-context';
import {
  endSpan,
  extractTraceContext,
  inTraceScope,
  isTracing,
  SpanKind,
  startSpan,
  type TraceScope,
} from '../observability/tracing';
import { errorFrame, FrameError, parseTypedFrame, sendFrame, type TypedFrame } from './frames';
import { TokenBucket } from './token-bucket';

/** An upgrade being checked: the path's parameters (percent-decoded) and the request. */
export interface WsUpgrade {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly request: IncomingMessage;
}

/** What a gateway tells its server in `afterInit` (values of its configuration). */
export interface WsGatewaySettings<Admission> {
  /**
   * Checks an upgrade before it is accepted (token, access, query). What it throws refuses the
   * upgrade with the HTTP answer the error would get from the platform's filter (or the
   * `UpgradeRefusal`'s own); what it returns reaches `handleConnection(client, request, admission)`.
   */
  admit(upgrade: WsUpgrade): Promise<Admission>;
  /** Largest frame; beyond it ws closes the connection with 1009. */
  maxPayload: number;
  /** Ping interval; a peer that did not answer the previous ping is terminated. */
  heartbeatMs: number;
  /** Frames per connection: `burst` at once, `perSecond` sustained; beyond it, close 1008. */
  rate: { burst: number; perSecond: number };
  /** Told the status of each refused upgrade (metrics). */
  onRefused?(status: number): void;
}

/** Refuses an upgrade with exactly this answer (a status no domain error has, a header). */
export class UpgradeRefusal extends Error {
  constructor(readonly answer: ErrorAnswer) {
    super(answer.body.detail);
  }
}

export const SHUTDOWN_CLOSE_CODE = 1001;
const RATE_LIMIT_CLOSE_CODE = 1008;

/** What the adapter keeps of each open socket. */
interface SocketState {
  readonly context: RequestContext;
  readonly bucket: TokenBucket;
  /** Answered the last heartbeat ping, or sent something since. */
  alive: boolean;
  flooded: boolean;
  /** Frames are handled one after the other: answers keep the order of the frames. */
  handling: Promise<void>;
}

const states = new WeakMap<WebSocket, SocketState>();

/**
 * The server of one `@WebSocketGateway({ path })`: the upgrades of its path, checked by the
 * gateway's `admit` before they are accepted; heartbeats; closing every socket with 1001 on
 * shutdown. Emits `connection` with `(socket, request, admission)`.
 */
export class WsGatewayServer<Admission = unknown> extends EventEmitter {
  private readonly logger: Logger;
  private readonly pattern: RegExp;
  private readonly paramNames: string[];
  private wss?: WebSocketServer;
  private settings?: WsGatewaySettings<Admission>;
  private readonly sockets = new Set<WebSocket>();
  private heartbeat?: NodeJS.Timeout;
  private closing = false;

  constructor(
    readonly path: string,
    private readonly wsOptions: ServerOptions,
  ) {
    super();
    this.logger = new Logger(`WebSocket ${path}`);
    this.paramNames = [];
    const source = path
      .replace(/\/+$/, '')
      .split('/')
      .map((segment) => {
        if (!segment.startsWith(':')) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        this.paramNames.push(segment.slice(1));
        return '([^/]+)';
      })
      .join('/');
    this.pattern = new RegExp(`^${source}/?$`);
  }

  /** Called by the gateway in `afterInit`, before the application listens. */
  configure(settings: WsGatewaySettings<Admission>): void {
    this.settings = settings;
    this.wss = new WebSocketServer({
      perMessageDeflate: false,
      ...this.wsOptions,
      noServer: true,
      clientTracking: false,
      maxPayload: settings.maxPayload,
    });
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.beat(), settings.heartbeatMs);
    this.heartbeat.unref();
  }

  /** The path's parameters when `pathname` is this server's path, else undefined. */
  match(pathname: string): Record<string, string> | undefined {
    const found = this.pattern.exec(pathname);
    if (found === null) return undefined;
    return Object.fromEntries(this.paramNames.map((name, i) => [name, found[i + 1]!]));
  }

  /** From now on upgrades answer 503; open sockets stay until `closeAll`. */
  drain(): void {
    this.closing = true;
  }

  /**
   * Closes every socket (1001 on shutdown: clients resume elsewhere); peers that do not answer
   * the close handshake within a second are cut off.
   */
  async closeAll(code: number, reason: string): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    const closed = [...this.sockets].map(
      (ws) =>
        new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.close(code, reason);
        }),
    );
    const timer = setTimeout(() => {
      for (const ws of this.sockets) ws.terminate();
    }, 1000);
    await Promise.all(closed);
    clearTimeout(timer);
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
  }

  /** Checks an upgrade of this path; accepts it, or answers it with an HTTP error. */
  async upgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    url: URL,
    rawParams: Record<string, string>,
  ): Promise<void> {
    // With tracing on: a span for the session, from the handshake to the close, child of the
    // handshake's `traceparent` (the gateway's session); the check and every frame are its children.
    if (!isTracing()) return this.handshake(request, socket, head, url, rawParams);
    const session = startSpan(
      `WS ${this.path}`,
      SpanKind.SERVER,
      { 'url.path': url.pathname, 'network.protocol.name': 'websocket' },
      extractTraceContext(request.headers),
    )!;
    socket.once('close', () => endSpan(session.span));
    return inTraceScope(session, () =>
      this.handshake(request, socket, head, url, rawParams, session),
    );
  }

  private async handshake(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    url: URL,
    rawParams: Record<string, string>,
    session?: TraceScope,
  ): Promise<void> {
    try {
      if (this.closing) throw new UpgradeRefusal({ status: 503, body: SHUTTING_DOWN });
      const { wss, settings } = this;
      if (wss === undefined || settings === undefined) {
        throw new Error(`the gateway of ${this.path} did not configure its server in afterInit`);
      }
      const params = decodedParams(rawParams);
      if (params === undefined) throw new NotFoundError('Not found', 'not_found');
      const admission = await settings.admit({ params, query: url.searchParams, request });
      const context = session
        ? inTraceScope(session, () => this.sessionContext(request))
        : this.sessionContext(request);
      if (socket.destroyed) return;
      wss.handleUpgrade(request, socket, head, (ws) =>
        this.accept(ws, request, admission, context),
      );
    } catch (error) {
      const status = this.refuse(socket, error);
      session?.span.setAttribute('http.response.status_code', status);
    }
  }

  private sessionContext(request: IncomingMessage): RequestContext {
    return createRequestContext({
      correlationId: request.headers[CORRELATION_ID_HEADER],
      traceparent: request.headers[TRACEPARENT_HEADER],
    });
  }

  private accept(
    ws: WebSocket,
    request: IncomingMessage,
    admission: Admission,
    context: RequestContext,
  ): void {
    const { rate } = this.settings!;
    const state: SocketState = {
      context,
      bucket: new TokenBucket(rate.burst, rate.perSecond),
      alive: true,
      flooded: false,
      handling: Promise.resolve(),
    };
    states.set(ws, state);
    this.sockets.add(ws);
    ws.once('close', () => this.sockets.delete(ws));
    ws.on('error', () => undefined); // a peer's protocol error: ws closes the socket itself
    ws.on('pong', () => {
      state.alive = true;
    });
    if (this.closing) {
      ws.close(SHUTDOWN_CLOSE_CODE, 'server shutting down');
      return;
    }
    this.emit('connection', ws, request, admission);
  }

  /** Answers the upgrade with the error's HTTP answer; returns its status. */
  private refuse(socket: Duplex, error: unknown): number {
    const answer = error instanceof UpgradeRefusal ? error.answer : errorAnswer(error);
    if (answer.status >= 500 && !(error instanceof UpgradeRefusal)) {
      this.logger.error(`WebSocket handshake failed: ${String(error)}`, (error as Error)?.stack);
    }
    this.settings?.onRefused?.(answer.status);
    answerUpgrade(socket, answer);
    return answer.status;
  }

  private beat(): void {
    for (const ws of this.sockets) {
      const state = states.get(ws)!;
      if (!state.alive) {
        ws.terminate();
      } else {
        state.alive = false;
        ws.ping();
      }
    }
  }
}

/**
 * `@nestjs/platform-ws`'s adapter with what the API needs of a WebSocket endpoint:
 *
 * - paths with parameters (`@WebSocketGateway({ path: '/ws/chat/:conversation_id' })`), any
 *   other upgrade path answered 404;
 * - upgrades checked before they are accepted (`WsGatewaySettings.admit`), so a refusal is a
 *   plain HTTP answer in the API's error shape `{"detail", "code"}`, never an opened-then-closed
 *   socket;
 * - frames dispatched on their `type` field (`@SubscribeMessage('message.send')`), not Nest's
 *   `{event, data}`: the envelope is checked here (`parseTypedFrame`), the rest of the frame is the
 *   handler's; a handler's answer is sent as JSON, what it throws becomes an error frame
 *   (`ErrorFrameFilter`);
 * - one frame at a time per connection, so answers keep the order of the frames; a token bucket
 *   per connection (beyond it, the frames taken are answered, then close 1008); binary frames
 *   refused; every frame handled in the request context of its handshake (correlation id);
 * - heartbeats, and 1001 for every socket on shutdown.
 *
 * Frames go straight from the socket's `message` event to the handler Nest built (no RxJS stream
 * per connection); guards, pipes and interceptors are not used on these handlers.
 */
export class WsGatewayAdapter extends WsAdapter {
  private readonly servers: WsGatewayServer[] = [];
  private upgradeListener?: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

  constructor(private readonly server: Server) {
    super(server);
  }

  override create(
    port: number,
    options: ServerOptions & { path?: string; namespace?: string; server?: unknown } = {},
  ): WsGatewayServer {
    const { path, namespace: _namespace, server: _server, ...wsOptions } = options;
    if (port !== 0 || path === undefined) {
      throw new Error('a gateway here has a path and shares the HTTP server (no port of its own)');
    }
    const gatewayServer = new WsGatewayServer(path, wsOptions);
    this.servers.push(gatewayServer);
    if (this.upgradeListener === undefined) {
      this.upgradeListener = (request, socket, head) => this.onUpgrade(request, socket, head);
      this.server.on('upgrade', this.upgradeListener);
    }
    return gatewayServer;
  }

  override bindMessageHandlers(client: WebSocket, handlers: MessageMappingProperties[]): void {
    const state = states.get(client);
    if (state === undefined) return;
    const byType = new Map<string, (frame: TypedFrame) => unknown>(
      handlers.map(({ message, callback }) => [String(message), callback]),
    );
    client.on('message', (data: RawData, isBinary: boolean) =>
      onFrame(client, state, byType, data, isBinary),
    );
  }

  /** Upgrades answer 503 from now on (the service received SIGTERM). */
  drain(): void {
    for (const server of this.servers) server.drain();
  }

  override async close(server: WsGatewayServer): Promise<void> {
    await server.closeAll(SHUTDOWN_CLOSE_CODE, 'server shutting down');
  }

  override async dispose(): Promise<void> {
    if (this.upgradeListener !== undefined) this.server.off('upgrade', this.upgradeListener);
    this.upgradeListener = undefined;
    this.servers.length = 0;
  }

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const url = new URL(request.url ?? '/', 'http://upgrade');
    for (const server of this.servers) {
      const params = server.match(url.pathname);
      if (params !== undefined) {
        void server.upgrade(request, socket, head, url, params);
        return;
      }
    }
    answerUpgrade(socket, { status: 404, body: { detail: 'Not found', code: 'not_found' } });
  }
}

function onFrame(
  ws: WebSocket,
  state: SocketState,
  byType: Map<string, (frame: TypedFrame) => unknown>,
  data: RawData,
  isBinary: boolean,
): void {
  state.alive = true;
  if (state.flooded) return;
  if (!state.bucket.take()) {
    // The frames taken before are still answered; nothing after them is.
    state.flooded = true;
    state.handling = state.handling.then(() =>
      ws.close(RATE_LIMIT_CLOSE_CODE, 'rate limit exceeded'),
    );
    return;
  }
  if (isBinary) {
    sendFrame(ws, errorFrame(new FrameError('invalid_frame', 'frames are JSON text')));
    return;
  }
  const text = String(data);
  state.handling = state.handling.then(() =>
    runWithRequestContext(state.context, () =>
      state.context.trace === undefined
        ? handleFrame(ws, byType, text)
        : handleFrameTraced(ws, byType, text),
    ),
  );
}

/** `handleFrame` in a span of its own (child of the session's), named after the frame's type. */
async function handleFrameTraced(
  ws: WebSocket,
  byType: Map<string, (frame: TypedFrame) => unknown>,
  text: string,
): Promise<void> {
  const frame = startSpan('WS frame', SpanKind.SERVER, { 'network.protocol.name': 'websocket' });
  if (frame === undefined) return handleFrame(ws, byType, text);
  await inTraceScope(frame, () =>
    handleFrame(ws, byType, text, (type) => frame.span.updateName(`WS ${type}`)),
  );
  endSpan(frame.span);
}

/** Never rejects: a failure is the frame's error frame, and the next frame is handled. */
async function handleFrame(
  ws: WebSocket,
  byType: Map<string, (frame: TypedFrame) => unknown>,
  text: string,
  onType?: (type: string) => void,
): Promise<void> {
  // A socket being closed (revoked, flooding, shutting down) takes no more frames, queued ones
  // included: a revoked session must not post after its close began.
  if (ws.readyState !== WebSocket.OPEN) return;
  let frame: TypedFrame | undefined;
  try {
    frame = parseTypedFrame(text, byType);
    onType?.(frame.type);
    // Nest's handler: what it throws goes to the gateway's exception filter (ErrorFrameFilter).
    const answer = await byType.get(frame.type)!(frame);
    if (answer !== undefined) sendFrame(ws, JSON.stringify(answer));
  } catch (error) {
    // A frame refused before it parsed (a message too long, say) still names its client_id.
    sendFrame(ws, errorFrame(error, frame ?? jsonOrUndefined(text)));
  }
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The path parameters percent-decoded, or undefined when one is malformed (`%zz`). */
function decodedParams(raw: Record<string, string>): Record<string, string> | undefined {
  const decoded: Record<string, string> = {};
  try {
    for (const [name, value] of Object.entries(raw)) decoded[name] = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  return decoded;
}

/** Answers an upgrade request with an HTTP error (no WebSocket was opened). */
function answerUpgrade(socket: Duplex, { status, body, headers = {} }: ErrorAnswer): void {
  if (socket.destroyed) return;
  const json = JSON.stringify(body);
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      extra +
      `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`,
  );
}
