import { IncomingMessage } from 'node:http';
import { Transform, TransformCallback } from 'node:stream';
import { TLSSocket } from 'node:tls';
import replyFrom from '@fastify/reply-from';
import {
  CORRELATION_ID_HEADER,
  RequestContext,
  TRACEPARENT_HEADER,
  createRequestContext,
  currentRequestContext,
  errorAnswer,
} from '@ajla/platform';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HTTPMethods,
} from 'fastify';
import { EdgeRateLimiter } from '../rate-limit/edge-rate-limiter';
import { rateLimitGroupOf } from '../rate-limit/rate-limits';
import { MountedRoute } from '../routing/route-definition';
import { RouteTable, isSafePath, routerPatterns } from '../routing/route-table';
import { EdgeAuthenticator, bearerToken } from './edge-auth';
import { TrustedProxies, clientAddress, withForwarding } from './forwarded-headers';
import { errorBody } from './error-body';
import { ProxyLog } from './proxy-log';

export interface HttpProxyOptions {
  readonly routes: RouteTable;
  readonly auth: EdgeAuthenticator;
  readonly trustedProxies: TrustedProxies;
  readonly bodyLimitBytes: number;
  readonly connectTimeoutMs: number;
  /** Longest wait for the upstream's response headers, and between two body chunks. */
  readonly upstreamTimeoutMs: number;
  readonly metrics?: UpstreamMetrics;
  /** Absent: no rate limits (tests of other concerns). */
  readonly rateLimiter?: EdgeRateLimiter;
  readonly log: ProxyLog;
}

export interface UpstreamMetrics {
  failed(service: string, status: number): void;
}

const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const TIMED_OUT = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'FST_REPLY_FROM_GATEWAY_TIMEOUT',
]);

/**
 * Mounts every route of the table on Fastify: one encapsulated scope per upstream service with its
 * own connection pool, bodies streamed through unparsed (only counted against the size limit),
 * the access token checked at the edge on protected routes, the rate limits applied, and errors
 * answered as `{"detail": ...}`.
 */
export async function registerHttpProxy(
  fastify: FastifyInstance,
  options: HttpProxyOptions,
): Promise<void> {
  for (const [service, upstream] of options.routes.services) {
    const routes = options.routes.routes.filter((route) => route.service === service);
    await fastify.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (request, payload, done) => {
        limitBody(request.raw, payload, options.bodyLimitBytes, done);
      });
      scope.setErrorHandler(errorAnswerer(options.log));

      await scope.register(replyFrom, {
        base: upstream,
        disableRequestLogging: true,
        undici: {
          connections: 128,
          pipelining: 1,
          connect: { timeout: options.connectTimeoutMs },
          headersTimeout: options.upstreamTimeoutMs,
          bodyTimeout: options.upstreamTimeoutMs,
        },
      });

      const forward = forwarder(service, options);
      for (const route of routes) {
        const guard = edgeGuard(route, options);
        for (const url of routerPatterns(route)) {
          scope.route({
            method: METHODS,
            url,
            onRequest: [rejectUnsafePath, guard],
            handler: forward,
          });
        }
      }
    });
  }
}

function forwarder(service: string, options: HttpProxyOptions) {
  return (_request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    reply.from(undefined, {
      // Never replay a request on the client's behalf, but for one case: see retryOnceAfterReset.
      retryDelay: ({ err, req, res, attempt }) =>
        retryOnceAfterReset({
          error: err,
          method: req.method,
          body: req.body,
          answered: !!res,
          attempt,
        }),
      rewriteRequestHeaders: (req, headers) =>
        withForwarding(headers as Record<string, string | string[] | undefined>, req.headers, {
          peerAddress: req.raw.socket.remoteAddress,
          encrypted: req.raw.socket instanceof TLSSocket,
          trace: traceOf(req),
          trusted: options.trustedProxies,
        }),
      onError: (failedReply, { error }) => {
        const { status, detail } = describeUpstreamFailure(service, error);
        options.metrics?.failed(service, status);
        options.log.warn(
          { upstream: service, status, error: error.message },
          'upstream request failed',
        );
        if (status === 503) failedReply.header('retry-after', '1');
        failedReply
          .code(status)
          .type('application/json; charset=utf-8')
          .send(errorBody(status, detail));
      },
    });
}

/** How a connection to a replica that is going away fails before any answer. */
const DROPPED_BEFORE_ANSWER = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one replay the gateway makes: a safe request without a body (GET, HEAD, OPTIONS) whose
 * connection was refused or dropped before any answer, once. That is how a kept-alive connection
 * to a replica that is shutting down ends when the request crosses its closing (the replica never
 * read it), and the next connection reaches another replica behind the service's address.
 * Writes are never replayed: the gateway cannot know whether a dropped POST was handled (the
 * client can, with an idempotency key such as a message's `client_id`), and their bodies are
 * streamed, not kept. Returns the delay before the retry in ms, or null for none.
 */
export function retryOnceAfterReset(attempt: {
  error: Error | null | undefined;
  method: string;
  body: unknown;
  answered: boolean;
  attempt: number;
}): number | null {
  if (attempt.attempt > 0 || attempt.answered || !attempt.error) return null;
  // reply-from passes '' for a request without a body, a stream for one with a body.
  const hasBody = attempt.body !== undefined && attempt.body !== null && attempt.body !== '';
  if (!SAFE_METHODS.has(attempt.method.toUpperCase()) || hasBody) return null;
  const { error } = attempt;
  const code =
    (error as Error & { code?: string }).code ??
    ((error as Error & { cause?: { code?: string } }).cause?.code || '');
  return DROPPED_BEFORE_ANSWER.has(code) ? 1 : null;
}

/** The request's context as the platform set it up (ids, trace), rebuilt from the request if absent. */
function traceOf(request: Pick<FastifyRequest, 'id' | 'headers'>): RequestContext {
  return (
    currentRequestContext() ??
    createRequestContext({
      requestId: request.id,
      correlationId: request.headers[CORRELATION_ID_HEADER],
      traceparent: request.headers[TRACEPARENT_HEADER],
    })
  );
}

/** Maps how talking to the upstream failed to what the client is told. */
export function describeUpstreamFailure(
  service: string,
  error: Error,
): { status: number; detail: string } {
  const cause = (error as Error & { cause?: unknown }).cause as
    (Error & { code?: string; statusCode?: number }) | undefined;
  const code = cause?.code ?? (error as Error & { code?: string }).code ?? '';
  if (cause?.statusCode === 413 || (error as FastifyError).statusCode === 413) {
    return { status: 413, detail: 'Request body is too large' };
  }
  // The request never reached the service, so retrying later is safe even for a POST.
  if (UNREACHABLE.has(code))
    return { status: 503, detail: `The ${service} service is unavailable` };
  if (TIMED_OUT.has(code) || /timeout/i.test(error.name)) {
    return { status: 504, detail: `The ${service} service did not answer in time` };
  }
  return { status: 502, detail: `The ${service} service failed to answer` };
}

async function rejectUnsafePath(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  const pathname = request.url.split('?', 1)[0] ?? '';
  return isSafePath(pathname) ? undefined : reply.code(400).send(errorBody(400, 'Invalid path'));
}

/**
 * The edge's checks of one route: the access token on a protected route (401 without the
 * upstream ever seeing the request), then the rate limits of the request's group, per client
 * address and per verified user. Requests refused by the token check are not counted: they cost
 * the gateway less than counting them would, and never reach a service.
 */
function edgeGuard(route: MountedRoute, options: HttpProxyOptions) {
  const { auth, rateLimiter, trustedProxies } = options;
  return async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined> => {
    let userId: string | undefined;
    // CORS preflights carry no credentials by design; they are answered by the CORS layer or upstream.
    const preflight =
      request.method === 'OPTIONS' &&
      request.headers['access-control-request-method'] !== undefined;
    if (route.access === 'protected' && !preflight) {
      const outcome = await auth.verify(bearerToken(request.headers.authorization));
      if (!outcome.ok) {
        if (outcome.status === 401) reply.header('www-authenticate', 'Bearer');
        if (outcome.retryAfterSeconds !== undefined) {
          reply.header('retry-after', String(outcome.retryAfterSeconds));
        }
        return reply.code(outcome.status).send({ detail: outcome.detail, code: outcome.code });
      }
      userId = outcome.caller?.id;
    }
    if (!rateLimiter) return undefined;
    const address = clientAddress(
      request.raw.socket.remoteAddress,
      request.headers['x-forwarded-for'],
      trustedProxies,
    );
    const decision = await rateLimiter.check(rateLimitGroupOf(request.method, route, false), {
      address,
      userId,
    });
    if (!decision) return undefined;
    reply.headers(decision.headers);
    return decision.allowed ? undefined : reply.code(429).send(decision.body);
  };
}

/** Errors raised on proxied routes (body limit, media type, a failing hook) in the API's error shape. */
function errorAnswerer(log: ProxyLog) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const answer = errorAnswer(error);
    if (answer.status >= 500)
      log.error({ err: error, method: request.method }, 'gateway proxy error');
    for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
    void reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
  };
}

/**
 * Uploads declared over the limit but up to this size (or 8 times the limit, if more) are read to
 * their end before the 413 (see limitBody).
 */
const DRAIN_BEFORE_413_BYTES = 16 * 1024 * 1024;

class BodyTooLargeError extends Error {
  readonly statusCode = 413;
  readonly code = 'FST_ERR_CTP_BODY_TOO_LARGE';
  constructor() {
    super('Request body is too large');
  }
}

/**
 * Passes the body through as a stream, refusing it up front when `Content-Length` is over the
 * limit and cutting it when a chunked body grows past the limit.
 */
function limitBody(
  raw: IncomingMessage,
  payload: IncomingMessage,
  limit: number,
  done: (error: Error | null, body?: unknown) => void,
): void {
  const declared = raw.headers['content-length'];
  if (declared !== undefined) {
    const length = Number(declared);
    if (length > Math.max(limit * 8, DRAIN_BEFORE_413_BYTES)) {
      payload.resume();
      done(new BodyTooLargeError());
    } else if (length > limit) {
      // Read the upload to its end (dropping it) before answering: Fastify closes the connection
      // after a refused body, and a client that writes its whole body before it reads (fetch,
      // curl) would meet the closed connection and see a broken pipe instead of the 413. Far
      // larger uploads are answered at once.
      let answered = false;
      const answer = () => {
        if (answered) return;
        answered = true;
        done(new BodyTooLargeError());
      };
      payload.once('end', answer);
      payload.once('close', answer);
      payload.once('error', answer);
      payload.resume();
    } else {
      done(null, payload);
    }
    return;
  }
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (seen <= limit) return callback(null, chunk);
      // Drop the rest of the upload so the connection can carry the 413 back.
      payload.unpipe(counter);
      payload.resume();
      callback(new BodyTooLargeError());
    },
  });
  payload.on('error', (error) => counter.destroy(error));
  done(null, payload.pipe(counter));
}
