import { createHash, randomBytes } from 'node:crypto';
import {
  ClientRequest,
  IncomingHttpHeaders,
  IncomingMessage,
  STATUS_CODES,
  Server,
  ServerResponse,
  request as httpRequest,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import {
  CORRELATION_ID_HEADER,
  REQUEST_ID_HEADER,
  TRACEPARENT_HEADER,
  SpanKind,
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
import { WebSocketRelay } from './websocket-relay';

export interface WebSocketProxyOptions {
  readonly routes: RouteTable;
  readonly auth: EdgeAuthenticator;
  readonly trustedProxies: TrustedProxies;
  /** How long the upstream may take to accept the handshake. */
  readonly handshakeTimeoutMs: number;
  /**
   * How long a closing handshake the gateway starts (at shutdown, on a revocation) may take
   * before the sockets are cut.
   */
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
  /** Counts the data messages relayed to and from a service (one call per chunk that ends some). */
  frames?(service: string): RelayedFrames;
}

export interface RelayedFrames {
  /** Messages from the client, relayed to the service. */
  fromClient(messages: number): void;
  /** Messages from the service, relayed to the client. */
  toClient(messages: number): void;
}

interface Link {
  readonly relay: WebSocketRelay;
  /** Who the handshake's token said the caller was (protected routes). */
  readonly caller?: AuthenticatedUser;
}

/** Headers the gateway writes itself on the upstream handshake, and hop-by-hop headers that end at the gateway. */
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
/** RFC 6455, 1.3: what the accepting side hashes with the key. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** A subprotocol is an RFC 7230 token. */
const SUBPROTOCOL = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/** How a replica that is stopping refuses or drops a handshake (worth one more try). */
const DROPPED_BY_A_LEAVING_REPLICA = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** The upstream did not answer the handshake within `handshakeTimeoutMs`. */
class HandshakeTimeout extends Error {}

/**
 * Forwards WebSocket upgrades on websocket routes. The token and the `websocket` group's rate
 * limits are checked at the handshake (429 over the limit), and the upstream handshake completes
 * before the client's does, so the client sees the upstream's own refusal (401, 404, ...) as an
 * HTTP answer, not as an accepted socket that closes at once.
 * After both handshakes the two TCP sockets are relayed byte for byte (`WebSocketRelay`): frames,
 * pings, pongs and close codes pass through unchanged in both directions, so heartbeats, flow
 * control and the services' frame limits stay end to end, and an idle connection costs the
 * gateway its two sockets and little else.
 */
export class WebSocketProxy {
  private readonly requestIds = new WeakMap<IncomingMessage, string>();
  private readonly links = new Set<Link>();
  /** Upstream handshakes under way. */
  private readonly pending = new Set<ClientRequest>();
  private draining = false;
  /** Called when the last link has closed (while shutting down). */
  private allClosed: (() => void) | undefined;
  private httpServer: Server | undefined;

  constructor(private readonly options: WebSocketProxyOptions) {
    options.revocations?.onEntry((entry) => this.closeRevoked(entry));
  }

  /** Closes both sides of every link the entry revokes. */
  private closeRevoked(entry: RevocationEntry): void {
    for (const { relay, caller } of this.links) {
      if (caller !== undefined && revocationAffects(entry, caller)) {
        relay.close(REVOKED_CLOSE_CODE, REVOKED_REASON[entry.kind]);
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
    for (const upstream of this.pending) upstream.destroy();
    for (const { relay } of this.links) {
      relay.close(1001, 'Server shutting down', 'Gateway shutting down');
    }
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      if (this.links.size === 0) return resolve();
      this.allClosed = resolve;
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    clearTimeout(timer);
    for (const { relay } of this.links) relay.cut();
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', destroyOnError);
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
    socket.once('close', endingSpan(session.span));
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
    if (request.method !== 'GET') {
      return answer(405, 'Method not allowed', route.service, ['Allow: GET']);
    }
    if (!isWellFormedHandshake(request.headers)) {
      return answer(400, 'Invalid WebSocket handshake', route.service);
    }
    const protocols = offeredProtocols(request.headers['sec-websocket-protocol']);
    if (!areValidSubprotocols(protocols)) {
      return answer(400, 'Invalid WebSocket subprotocols', route.service);
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
    if (decision && !decision.allowed) {
      const extra = Object.entries(decision.headers).map(([name, value]) => `${name}: ${value}`);
      return answer(429, decision.body.detail, route.service, extra, decision.body.code);
    }
    if (socket.destroyed || !(socket instanceof Socket)) {
      socket.destroy();
      return;
    }

    const upstreamHandshake: UpstreamHandshake = {
      url: new URL(`${route.upstream}${pathname}${search}`),
      headers: withForwarding(endToEndHeaders(request.headers), request.headers, {
        peerAddress: request.socket.remoteAddress,
        encrypted: request.socket instanceof TLSSocket,
        trace,
        trusted: this.options.trustedProxies,
      }),
      protocols,
    };
    const accepted = [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${acceptKey(request.headers['sec-websocket-key']!)}`,
      `X-Request-Id: ${requestId}`,
      ...Object.entries(decision?.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
    ];
    this.connectUpstream(socket, head, route, upstreamHandshake, accepted, requestId, caller);
  }

  private connectUpstream(
    socket: Socket,
    head: Buffer,
    route: MountedRoute,
    handshake: UpstreamHandshake,
    accepted: readonly string[],
    requestId: string,
    caller: AuthenticatedUser | undefined,
    retried = false,
  ): void {
    // A replica that is shutting down refuses upgrades (503) or drops the connection before the
    // handshake completes; nothing reached the application (a handshake is a GET without a body),
    // so the gateway tries once more, which reaches another replica behind the service's address.
    const retryOnce = (): boolean => {
      if (retried || this.draining || socket.destroyed) return false;
      this.connectUpstream(socket, head, route, handshake, accepted, requestId, caller, true);
      return true;
    };
    const key = randomBytes(16).toString('base64');
    const { url } = handshake;
    const upstream = (
      url.protocol === 'https:' || url.protocol === 'wss:' ? httpsRequest : httpRequest
    )({
      protocol: url.protocol === 'https:' || url.protocol === 'wss:' ? 'https:' : 'http:',
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      agent: false,
      headers: {
        ...handshake.headers,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': key,
        ...(handshake.protocols.length > 0
          ? { 'sec-websocket-protocol': handshake.protocols.join(',') }
          : {}),
      },
    });
    this.pending.add(upstream);
    const timer = setTimeout(
      () => upstream.destroy(new HandshakeTimeout('Opening handshake has timed out')),
      this.options.handshakeTimeoutMs,
    );
    const abandon = (): void => {
      upstream.destroy();
    };
    socket.once('close', abandon);
    const settle = (): boolean => {
      clearTimeout(timer);
      socket.off('close', abandon);
      return this.pending.delete(upstream);
    };

    upstream.once('response', (response) => {
      if (!settle()) return;
      if (response.statusCode === 503 && !retried && !this.draining && !socket.destroyed) {
        response.resume();
        upstream.destroy();
        retryOnce();
        return;
      }
      this.options.metrics?.refused(route.service, response.statusCode ?? 502);
      relayRefusal(socket, response, requestId, () => upstream.destroy());
    });
    // `on`, not `once`: a socket torn down mid-handshake may report more than one error.
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (!settle()) return;
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
      } else if (error instanceof HandshakeTimeout) {
        refuse(socket, 504, `The ${route.service} service did not answer in time`, requestId);
      } else {
        this.options.log.warn(
          { upstream: route.service, error: error.message },
          'upstream WebSocket handshake failed',
        );
        refuse(socket, 502, `The ${route.service} service failed to answer`, requestId);
      }
    });
    upstream.once(
      'upgrade',
      (response: IncomingMessage, upstreamSocket: Socket, upstreamHead: Buffer) => {
        if (!settle()) {
          upstreamSocket.destroy();
          return;
        }
        upstreamSocket.on('error', destroyOnError);
        if (socket.destroyed || this.draining) {
          upstreamSocket.destroy();
          if (!socket.destroyed) refuse(socket, 503, 'The gateway is shutting down', requestId);
          return;
        }
        const problem = handshakeProblem(response, key, handshake.protocols);
        if (problem !== undefined) {
          upstreamSocket.destroy();
          this.options.log.warn(
            { upstream: route.service, error: problem },
            'upstream WebSocket handshake failed',
          );
          refuse(socket, 502, `The ${route.service} service failed to answer`, requestId);
          return;
        }
        const protocol = response.headers['sec-websocket-protocol'];
        const lines = protocol ? [...accepted, `Sec-WebSocket-Protocol: ${protocol}`] : accepted;
        socket.write(`${lines.join('\r\n')}\r\n\r\n`);
        this.link(socket, upstreamSocket, route, caller).start(head, upstreamHead);
      },
    );
    upstream.end();
  }

  private link(
    client: Socket,
    upstream: Socket,
    route: MountedRoute,
    caller: AuthenticatedUser | undefined,
  ): WebSocketRelay {
    const linkedAt = performance.now();
    const frames = this.options.metrics?.frames?.(route.service);
    const relay = new WebSocketRelay(client, upstream, {
      fromClient: frames?.fromClient,
      toClient: frames?.toClient,
      closingTimeoutMs: this.options.shutdownGraceMs,
      onClosed: () => {
        this.links.delete(link);
        this.options.metrics?.closed(route.service, (performance.now() - linkedAt) / 1000);
        if (this.links.size === 0) this.allClosed?.();
      },
    });
    const link: Link = { relay, caller };
    this.links.add(link);
    this.options.metrics?.opened(route.service);
    return relay;
  }
}

/**
 * Listeners that stay on a socket for its whole life are module functions or made by small
 * factories: a closure written inline would keep the whole scope it was written in (the
 * handshake's request, response and buffers) alive as long as the socket.
 */
function destroyOnError(this: Duplex): void {
  this.destroy();
}

function endingSpan(span: Parameters<typeof endSpan>[0]): () => void {
  return () => endSpan(span);
}

interface UpstreamHandshake {
  /** The upstream's address, path and query. */
  readonly url: URL;
  /** The client's end-to-end headers and the forwarding headers. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The subprotocols the client offered, passed on. */
  readonly protocols: readonly string[];
}

/** What is wrong with an upstream's 101 (RFC 6455, 4.1), or undefined. */
function handshakeProblem(
  response: IncomingMessage,
  key: string,
  offered: readonly string[],
): string | undefined {
  if (response.statusCode !== 101) return `Unexpected status ${response.statusCode}`;
  if (response.headers.upgrade?.toLowerCase() !== 'websocket') return 'Invalid Upgrade header';
  if (response.headers['sec-websocket-accept'] !== acceptKey(key)) {
    return 'Invalid Sec-WebSocket-Accept header';
  }
  const protocol = response.headers['sec-websocket-protocol'];
  if (protocol !== undefined && !offered.includes(protocol)) return 'Invalid subprotocol';
  if (protocol === undefined && offered.length > 0) return 'No subprotocol';
  if (response.headers['sec-websocket-extensions'] !== undefined) {
    return 'Extensions that were not offered';
  }
  return undefined;
}

function acceptKey(key: string): string {
  return createHash('sha1').update(`${key}${WEBSOCKET_GUID}`).digest('base64');
}

function areValidSubprotocols(protocols: readonly string[]): boolean {
  return (
    protocols.every((protocol) => SUBPROTOCOL.test(protocol)) &&
    new Set(protocols).size === protocols.length
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
