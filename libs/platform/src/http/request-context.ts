import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync, randomUUID } from 'node:crypto';
import { context as traceContexts } from '@opentelemetry/api';
import { activeSpanContext, type TraceContext } from '../observability/tracing';

export const REQUEST_ID_HEADER = 'x-request-id';
export const CORRELATION_ID_HEADER = 'x-correlation-id';
export const TRACEPARENT_HEADER = 'traceparent';

/**
 * What ties the log lines of one user action together, across services: the correlation id (kept
 * from the caller, or this request's id) and the W3C trace context.
 */
export interface RequestContext {
  /** This hop's id (`x-request-id`). */
  readonly requestId: string;
  /** The id of the whole user action (`x-correlation-id`), the same in every service. */
  readonly correlationId: string;
  /** W3C trace id (32 hex), from the caller's `traceparent` or new. */
  readonly traceId: string;
  /** This hop's span id (16 hex): the parent of whatever it calls. */
  readonly spanId: string;
  readonly traceFlags: string;
  /**
   * With tracing on: the OpenTelemetry context of this unit of work's span (its ids are the ones
   * above), entered again with the request context (`runWithRequestContext`).
   */
  readonly trace?: TraceContext;
}

const storage = new AsyncLocalStorage<RequestContext>();

// Ids from outside end up in logs and headers: only short, plain tokens are taken as they are.
const SAFE_ID = /^[\w.:@-]{1,128}$/;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO = /^0+$/;

export function isSafeId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_ID.test(value);
}

// Trace and span ids come from a pool filled 4 KB at a time, as `randomUUID` does for its ids: a
// `randomBytes` call per id was 6 % of a busy gateway's CPU. They identify, they protect nothing.
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** `bytes` random bytes as lower-case hex. */
export function randomHex(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomPool = randomFillSync(Buffer.allocUnsafe(RANDOM_POOL_BYTES));
    randomOffset = 0;
  }
  const hex = randomPool.toString('hex', randomOffset, randomOffset + bytes);
  randomOffset += bytes;
  return hex;
}

export function newRequestId(): string {
  return randomUUID();
}

/**
 * The context of a new unit of work (an HTTP request, a consumed message, a job): ids and trace
 * from the incoming headers when they are well-formed, fresh ones otherwise. With tracing on, the
 * unit's span is the active one when this is called (the HTTP server span, a consumer span, a
 * WebSocket session's): its trace and span ids are the context's, so log lines name real spans.
 */
export function createRequestContext(
  incoming: { requestId?: unknown; correlationId?: unknown; traceparent?: unknown } = {},
): RequestContext {
  const requestId = isSafeId(incoming.requestId) ? incoming.requestId : newRequestId();
  const correlationId = isSafeId(incoming.correlationId) ? incoming.correlationId : requestId;
  const span = activeSpanContext();
  if (span) {
    return {
      requestId,
      correlationId,
      traceId: span.traceId,
      spanId: span.spanId,
      traceFlags: traceFlagsText(span.traceFlags),
      trace: traceContexts.active(),
    };
  }
  const parent =
    typeof incoming.traceparent === 'string' ? TRACEPARENT.exec(incoming.traceparent.trim()) : null;
  const validParent = parent && !ALL_ZERO.test(parent[1]) && !ALL_ZERO.test(parent[2]);
  return {
    requestId,
    correlationId,
    traceId: validParent ? parent[1] : randomHex(16),
    spanId: randomHex(8),
    traceFlags: validParent ? parent[3] : '01',
  };
}

/** Runs `fn` in `context` (and, with tracing on, in its span's trace context). */
export function runWithRequestContext<T>(context: RequestContext, fn: () => T): T {
  const trace = context.trace;
  if (trace === undefined) return storage.run(context, fn);
  return storage.run(context, () => traceContexts.with(trace, fn));
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * Headers to put on an outgoing HTTP request or AMQP message so the next service continues this
 * action: the same correlation id and trace, with this hop as the parent span (with tracing on,
 * the active span: a WebSocket frame's, say, rather than its session's). An outgoing HTTP call's
 * instrumentation replaces the `traceparent` with its own client span's.
 */
export function propagationHeaders(
  context: RequestContext | undefined = currentRequestContext(),
): Record<string, string> {
  if (!context) return {};
  const span = activeSpanContext();
  const traceparent =
    span && span.traceId === context.traceId
      ? `00-${span.traceId}-${span.spanId}-${traceFlagsText(span.traceFlags)}`
      : `00-${context.traceId}-${context.spanId}-${context.traceFlags}`;
  return {
    [CORRELATION_ID_HEADER]: context.correlationId,
    [TRACEPARENT_HEADER]: traceparent,
  };
}

function traceFlagsText(flags: number): string {
  return flags.toString(16).padStart(2, '0');
}
