import {
  IncomingHttpHeaders,
  IncomingMessage,
  STATUS_CODES,
  Server,
  ServerResponse,
} from 'node:http';
import { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import WebSocket, { WebSocketServer } from 'ws';
import {
  CORRELATION_ID_HEADER,
  REQUEST_ID_HEADER,
  RequestContext,
  TRACEPARENT_HEADER,
  SpanKind,
  coalesceWrites,
  createRequestContext,
  endSpan,
  extractTraceContext,
  inTraceScope,
  isTracing,
  startSpan,
} from '@ajla/platform';
import { EdgeRateLimiter } from '../rate-limit/edge-rate-limiter';
import { MountedRoute } from '../routing/route-definition';
import { RouteTable, isSafePath } from '../routing/route-table';
import {
  AuthenticatedUser,
  REVOKED_CLOSE_CODE,
  REVOKED_REASON,
  RevocationEntry,
  SessionRevocations,
  handshakeToken,
  revocationAffects,
} from '@ajla/auth';
import { EdgeAuthenticator, offeredProtocols } from './edge-auth';
import { errorBody } from './error-body';
import { TrustedProxies, clientAddress, withForwarding } from './forwarded-headers';
import { ProxyLog } from './proxy-log';

export interface WebSocketProxyOptions {
  readonly routes: RouteTable;
  readonly auth: EdgeAuthenticator;
  readonly trustedProxies: TrustedProxies;
  /** Largest frame accepted from either side; larger closes that side with 1009. */
  readonly maxPayloadBytes: number;
  /** How long the upstream may take to accept the handshake. */
  readonly handshakeTimeoutMs: number;
  /** How long closing handshakes may take at shutdown before sockets are cut. */
  readonly shutdownGraceMs: number;
  readonly log: ProxyLog;
  readonly metrics?: WebSocketMetrics;
  /** Connections opened with a token a new entry revokes are closed (1008), whatever the upstream does. */
  readonly revocations?: Pick<SessionRevocations, 'onEntry'>;
  /** Absent: upgrades are not rate limited. */
  readonly rateLimiter?: EdgeRateLimiter;
}

export interface WebSocketMetrics {
  opened(service: string): void;
  /** A linked socket closed, `seconds` after it was linked. */
  closed(service: string, seconds: number): void;
  refused(service: string, status: number): void;
  /** Counts the data frames relayed to and from a service (one call per frame: keep it cheap). */
  frames?(service: string): RelayedFrames;
}

export interface RelayedFrames {
  /** A frame from the client, relayed to the service. */
  fromClient(): void;
  /** A frame from the service, relayed to the client. */
  toClient(): void;
}

interface Link {
  readonly client: WebSocket;
  readonly upstream: WebSocket;
  readonly closed: Promise<void>;
  /** Who the handshake's token said the caller was (protected routes). */
  readonly caller?: AuthenticatedUser;
}

/** Headers the `ws` client writes itself, and hop-by-hop headers that end at the gateway. */
const NOT_FORWARDED = new Set([
  'host',
  'connection',
  'upgrade',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'content-length',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
]);
/** Upstream refusal headers worth passing to the client. */
const REFUSAL_HEADERS = ['content-type', 'www-authenticate', 'retry-after'];
const MAX_REFUSAL_BODY = 16 * 1024;
/** Pause reading from one side while this much is queued for the other (and resume below a quarter). */
const HIGH_WATER_MARK = 1024 * 1024;
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** How a replica that is stopping refuses or drops a handshake (worth one more try). */
const DROPPED_BY_A_LEAVING_REPLICA = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/**
 * Forwards WebSocket upgrades on websocket routes. The token and the `websocket` group's rate
 * limits are checked at the handshake (429 over the limit), and the upstream handshake completes
 * before the client's does, so the client sees the upstream's own refusal (401, 404, ...) as an
 * HTTP answer, not as an accepted socket that closes at once.
 * Frames, pings, pongs and close codes pass through unchanged in both directions, so heartbeats
 * and flow control stay end to end.
 */
export class WebSocketProxy {
  private readonly server: WebSocketServer;
  private readonly upstreamProtocol = new WeakMap<IncomingMessage, string>();
  private readonly requestIds = new WeakMap<IncomingMessage, string>();
  private readonly rateLimitHeaders = new WeakMap<
    IncomingMessage,
    Readonly<Record<string, string>>
  >();
  private readonly links = new Set<Link>();
  private readonly pending = new Set<WebSocket>();
  private draining = false;
  private httpServer: Server | undefined;

  constructor(private readonly options: WebSocketProxyOptions) {
    this.server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      autoPong: false,
      maxPayload: options.maxPayloadBytes,
      handleProtocols: (_offered, request) => this.upstreamProtocol.get(request) || false,
    });
    this.server.on('headers', (headers, request) => {
      headers.push(`X-Request-Id: ${this.requestIds.get(request) ?? ''}`);
      for (const [name, value] of Object.entries(this.rateLimitHeaders.get(request) ?? {})) {
        headers.push(`${name}: ${value}`);
      }
    });
    options.revocations?.onEntry((entry) => this.closeRevoked(entry));
  }

  /** Closes the client side (the pipe closes the upstream) of every link the entry revokes. */
  private closeRevoked(entry: RevocationEntry): void {
    for (const { client, caller } of this.links) {
      if (caller !== undefined && revocationAffects(entry, caller)) {
        closeWith(client, REVOKED_CLOSE_CODE, Buffer.from(REVOKED_REASON[entry.kind]));
      }
    }
  }

  /** Starts answering upgrades on `server` (the gateway's HTTP server). */
  attach(server: Server): void {
    this.httpServer = server;
    server.on('upgrade', this.onUpgrade);
  }

  get openConnections(): number {
    return this.links.size;
  }

  /** Nest calls this on SIGTERM, before the HTTP server closes (which waits for every socket). */
  beforeApplicationShutdown(): Promise<void> {
    return this.shutdown(this.options.shutdownGraceMs);
  }

  /**
   * Refuses new upgrades, closes every proxied connection with 1001 on both sides (clients
   * resume elsewhere), and waits up to `graceMs` for the closing handshakes before cutting.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.draining = true;
    for (const upstream of this.pending) upstream.terminate();
    const links = [...this.links];
    for (const { client, upstream } of links) {
      client.close(1001, 'Server shutting down');
      upstream.close(1001, 'Gateway shutting down');
    }
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    await Promise.race([Promise.all(links.map((link) => link.closed)), expired]);
    clearTimeout(timer);
    for (const { client, upstream } of this.links) {
      client.terminate();
      upstream.terminate();
    }
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    if (request.headers.upgrade?.toLowerCase() !== 'websocket') {
      this.serveWithoutUpgrade(request, socket, head);
      return;
    }
    this.handle(request, socket, head).catch((error: unknown) => {
      this.options.log.error({ err: error }, 'WebSocket proxy failure');
      refuse(socket, 500, 'Internal server error', this.requestIds.get(request) ?? '');
    });
  };

  /**
   * Node hands every request with an `Upgrade` header to the upgrade listener, `h2c` (what
   * `curl --http2` offers on http://) included. A server may ignore an upgrade it does not want
   * (RFC 9110, 7.8), so such a request is served as plain HTTP/1.1 on a connection that then closes.
   */
  private serveWithoutUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      (request.headers['content-length'] ?? '0') !== '0' ||
      head.length > 0;
    if (hasBody || !this.httpServer || !(socket instanceof Socket)) {
      refuse(socket, 400, 'Only WebSocket upgrades are supported', '');
      return;
    }
    const response = new ServerResponse(request);
    response.shouldKeepAlive = false;
    response.assignSocket(socket);
    response.once('finish', () => socket.end());
    this.httpServer.emit('request', request, response);
  }

  private handle(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // With tracing on: a span for the proxied session, from the handshake to the close, child of
    // the client's `traceparent`; the upstream's session continues it.
    if (!isTracing()) return this.proxy(request, socket, head);
    const session = startSpan(
      'WS proxy',
      SpanKind.SERVER,
      { 'url.path': (request.url ?? '/').split('?', 1)[0]!, 'network.protocol.name': 'websocket' },
      extractTraceContext(request.headers),
    )!;
    socket.once('close', () => endSpan(session.span));
    return inTraceScope(session, () => this.proxy(request, socket, head));
  }

  private async proxy(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const trace = createRequestContext({
      requestId: request.headers[REQUEST_ID_HEADER],
      correlationId: request.headers[CORRELATION_ID_HEADER],
      traceparent: request.headers[TRACEPARENT_HEADER],
    });
    const requestId = trace.requestId;
    this.requestIds.set(request, requestId);
    const answer = (
      status: number,
      detail: string,
      service = 'none',
      extra: string[] = [],
      code?: string,
    ): void => {
      this.options.metrics?.refused(service, status);
      refuse(socket, status, detail, requestId, extra, code);
    };

    if (this.draining)
      return answer(503, 'The gateway is shutting down', 'none', ['Retry-After: 1']);
    const [pathname = '/', query = ''] = (request.url ?? '/').split(/\?(.*)/s, 2);
    const search = query ? `?${query}` : '';
    if (!isSafePath(pathname)) return answer(400, 'Invalid path');
    const route = this.options.routes.resolve(pathname);
    if (!route?.websocket) return answer(404, 'Not found');
    if (!isWellFormedHandshake(request.headers)) {
      return answer(400, 'Invalid WebSocket handshake', route.service);
    }

    let caller: AuthenticatedUser | undefined;
    if (route.access === 'protected') {
      const outcome = await this.options.auth.verify(handshakeToken(request));
      if (outcome.ok) caller = outcome.caller;
      if (!outcome.ok) {
        const extra = outcome.status === 401 ? ['WWW-Authenticate: Bearer'] : [];
        if (outcome.retryAfterSeconds !== undefined) {
          extra.push(`Retry-After: ${outcome.retryAfterSeconds}`);
        }
        return answer(outcome.status, outcome.detail, route.service, extra, outcome.code);
      }
    }
    const address = clientAddress(
      request.socket.remoteAddress,
      request.headers['x-forwarded-for'],
      this.options.trustedProxies,
    );
    const decision = await this.options.rateLimiter?.check('websocket', {
      address,
      userId: caller?.id,
    });
    if (decision) {
      if (!decision.allowed) {
        const extra = Object.entries(decision.headers).map(([name, value]) => `${name}: ${value}`);
        return answer(429, decision.body.detail, route.service, extra, decision.body.code);
      }
      this.rateLimitHeaders.set(request, decision.headers);
    }
    if (socket.destroyed) return;

    this.connectUpstream(request, socket, head, route, `${pathname}${search}`, trace, caller);
  }

  private connectUpstream(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    route: MountedRoute,
    pathAndQuery: string,
    trace: RequestContext,
    caller: AuthenticatedUser | undefined,
    retried = false,
  ): void {
    const requestId = trace.requestId;
    // A replica that is shutting down refuses upgrades (503) or drops the connection before the
    // handshake completes; nothing reached the application (a handshake is a GET without a body),
    // so the gateway tries once more, which reaches another replica behind the service's address.
    const retryOnce = (): boolean => {
      if (retried || this.draining || socket.destroyed) return false;
      this.connectUpstream(request, socket, head, route, pathAndQuery, trace, caller, true);
      return true;
    };
    const url = `${route.upstream.replace(/^http/, 'ws')}${pathAndQuery}`;
    const headers = withForwarding(endToEndHeaders(request.headers), request.headers, {
      peerAddress: request.socket.remoteAddress,
      encrypted: request.socket instanceof TLSSocket,
      trace,
      trusted: this.options.trustedProxies,
    });

    let upstream: WebSocket;
    try {
      upstream = new WebSocket(url, offeredProtocols(request.headers['sec-websocket-protocol']), {
        headers: headers as Record<string, string>,
        maxPayload: this.options.maxPayloadBytes,
        perMessageDeflate: false,
        autoPong: false,
        followRedirects: false,
        handshakeTimeout: this.options.handshakeTimeoutMs,
      });
    } catch {
      // The client offered subprotocols `ws` refuses to send (invalid or duplicated).
      refuse(socket, 400, 'Invalid WebSocket subprotocols', requestId);
      return;
    }
    this.pending.add(upstream);
    const abandon = (): void => upstream.terminate();
    socket.once('close', abandon);

    upstream.once('unexpected-response', (upstreamRequest, response) => {
      this.pending.delete(upstream);
      socket.off('close', abandon);
      if (response.statusCode === 503 && !retried && !this.draining && !socket.destroyed) {
        response.resume();
        upstreamRequest.destroy();
        retryOnce();
        return;
      }
      this.options.metrics?.refused(route.service, response.statusCode ?? 502);
      relayRefusal(socket, response, requestId, () => upstreamRequest.destroy());
    });
    // `on`, not `once`: a socket torn down mid-handshake may report more than one error.
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (!this.pending.delete(upstream)) return;
      socket.off('close', abandon);
      if (DROPPED_BY_A_LEAVING_REPLICA.has(error.code ?? '') && retryOnce()) return;
      if (this.draining) {
        refuse(socket, 503, 'The gateway is shutting down', requestId, ['Retry-After: 1']);
      } else if (UNREACHABLE.has(error.code ?? '')) {
        this.options.log.warn(
          { upstream: route.service, code: error.code },
          'upstream unreachable for a WebSocket',
        );
        refuse(socket, 503, `The ${route.service} service is unavailable`, requestId, [
          'Retry-After: 1',
        ]);
      } else if (/timed out/i.test(error.message)) {
        refuse(socket, 504, `The ${route.service} service did not answer in time`, requestId);
      } else {
        this.options.log.warn(
          { upstream: route.service, error: error.message },
          'upstream WebSocket handshake failed',
        );
        refuse(socket, 502, `The ${route.service} service failed to answer`, requestId);
      }
    });
    upstream.once('open', () => {
      this.pending.delete(upstream);
      socket.off('close', abandon);
      if (socket.destroyed || this.draining) {
        upstream.close(1001, 'Client gone');
        if (!socket.destroyed) refuse(socket, 503, 'The gateway is shutting down', requestId);
        return;
      }
      this.upstreamProtocol.set(request, upstream.protocol);
      this.server.handleUpgrade(request, socket, head, (client) =>
        this.link(client, upstream, route, caller),
      );
    });
  }

  private link(
    client: WebSocket,
    upstream: WebSocket,
    route: MountedRoute,
    caller: AuthenticatedUser | undefined,
  ): void {
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const link: Link = { client, upstream, closed, caller };
    this.links.add(link);
    this.options.metrics?.opened(route.service);
    const linkedAt = performance.now();
    void closed.then(() => {
      this.links.delete(link);
      this.options.metrics?.closed(route.service, (performance.now() - linkedAt) / 1000);
    });
    const frames = this.options.metrics?.frames?.(route.service);
    pipe(client, upstream, frames?.fromClient);
    pipe(upstream, client, frames?.toClient);
  }
}

/** Forwards everything `from` receives to `to`, pausing `from` while `to` is backed up. */
function pipe(from: WebSocket, to: WebSocket, relayed?: () => void): void {
  let paused = false;
  const drained = (): void => {
    if (paused && to.bufferedAmount < HIGH_WATER_MARK / 4) {
      paused = false;
      from.resume();
    }
  };
  from.on('message', (data, isBinary) => {
    if (to.readyState !== WebSocket.OPEN) return;
    relayed?.();
    // Frames read in one chunk are written in one: no extra system calls or wake-ups.
    coalesceWrites(to);
    to.send(data, { binary: isBinary }, drained);
    if (!paused && to.bufferedAmount > HIGH_WATER_MARK) {
      paused = true;
      from.pause();
    }
  });
  from.on('ping', (data) => to.readyState === WebSocket.OPEN && to.ping(data));
  from.on('pong', (data) => to.readyState === WebSocket.OPEN && to.pong(data));
  from.on('close', (code, reason) => closeWith(to, code, reason));
  // Errors (bad frames, oversized frames) are followed by 'close', which does the work.
  from.on('error', () => undefined);
}

/** Mirrors a close on the other side: the same code where the protocol lets it be sent. */
function closeWith(socket: WebSocket, code: number, reason: Buffer): void {
  if (socket.readyState === WebSocket.CLOSED || socket.readyState === WebSocket.CLOSING) return;
  if (isSendableCloseCode(code)) socket.close(code, reason);
  else if (code === 1005) socket.close();
  else socket.terminate();
}

function isSendableCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1003) ||
    (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999)
  );
}

function isWellFormedHandshake(headers: IncomingHttpHeaders): boolean {
  return (
    headers.upgrade?.toLowerCase() === 'websocket' &&
    headers['sec-websocket-version'] === '13' &&
    /^[+/0-9A-Za-z]{22}==$/.test(headers['sec-websocket-key'] ?? '')
  );
}

function endToEndHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const listed = new Set(
    (headers.connection ?? '')
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name !== ''),
  );
  const result: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!NOT_FORWARDED.has(name) && !listed.has(name)) result[name] = value;
  }
  return result;
}

/** Answers a handshake with an HTTP error and a JSON body, then closes the socket. */
function refuse(
  socket: Duplex,
  status: number,
  detail: string,
  requestId: string,
  extra: string[] = [],
  code?: string,
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(code ? { detail, code } : errorBody(status, detail));
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    `X-Request-Id: ${requestId}`,
    ...extra,
  ];
  socket.once('finish', () => socket.destroy());
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** Passes an upstream's handshake refusal (status, key headers, a bounded body) to the client. */
function relayRefusal(
  socket: Duplex,
  response: IncomingMessage,
  requestId: string,
  done: () => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const finish = (): void => {
    done();
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const body =
      size <= MAX_REFUSAL_BODY
        ? Buffer.concat(chunks)
        : Buffer.from(
            JSON.stringify(errorBody(response.statusCode ?? 502, 'Refused by the upstream')),
          );
    const status = response.statusCode ?? 502;
    const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`];
    for (const name of REFUSAL_HEADERS) {
      const value = response.headers[name];
      if (typeof value === 'string') head.push(`${name}: ${value}`);
    }
    head.push(`Content-Length: ${body.length}`, 'Connection: close', `X-Request-Id: ${requestId}`);
    socket.once('finish', () => socket.destroy());
    socket.end(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body]));
  };
  response.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_REFUSAL_BODY) chunks.push(chunk);
  });
  response.once('end', finish);
  response.once('error', finish);
}
