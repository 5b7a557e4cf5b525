import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import type { IncomingMessage, RequestOptions } from 'node:http';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { redactUrl } from './redact-url';

/**
 * Distributed tracing with OpenTelemetry, off unless the standard `OTEL_*` variables ask for it
 * (`tracingConfigured`). Off, nothing of the SDK is loaded and nothing is patched: the helpers
 * below cost one boolean check. On, the SDK exports spans over OTLP (or what
 * `OTEL_TRACES_EXPORTER` names) for incoming and outgoing HTTP, Postgres and Redis calls (the
 * stock instrumentations), and the platform adds its own: WebSocket sessions and frames, AMQP
 * publishes and deliveries (`@ajla/messaging`).
 *
 * `startTracing` must run before `http`, `pg` and `ioredis` are first required: each service's
 * `main.ts` imports its `tracing.ts` first, which calls it.
 */

/** The name of the platform's own tracer (WebSocket, messaging spans). */
const TRACER_NAME = '@ajla/platform';

let enabled = false;
let sdk: { shutdown(): Promise<void> } | undefined;

/** Routes polled by probes and scrapers: a span each would drown the traces that matter. */
const UNTRACED_PATHS = ['/health', '/metrics'];

/**
 * Whether the environment asks for traces: an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or an exporter other than `none` in
 * `OTEL_TRACES_EXPORTER`, and `OTEL_SDK_DISABLED` not `true`.
 */
export function tracingConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  if (exporters.includes('none')) return false;
  if (exporters.length > 0) return true;
  return Boolean(
    env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim(),
  );
}

/**
 * Starts the OpenTelemetry SDK when `tracingConfigured`; true if it did. `serviceName` is the
 * `service.name` unless `OTEL_SERVICE_NAME` (or `service.name` in `OTEL_RESOURCE_ATTRIBUTES`) says
 * otherwise. The exporter, its endpoint, protocol, headers, sampler and batching are the SDK's
 * own `OTEL_*` settings. Only traces: metrics stay with Prometheus, logs with stdout.
 */
export function startTracing(
  serviceName: string,
  env: NodeJS.ProcessEnv = process.env,
  /** Where spans go instead of the configured exporter (tests: an in-memory one). */
  spanProcessors?: SpanProcessor[],
): boolean {
  if (enabled || !tracingConfigured(env)) return false;
  // Required here, not imported: with tracing off, none of this is even loaded.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } =
    require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } =
    require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { PgInstrumentation } =
    require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } =
    require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const named =
    Boolean(env.OTEL_SERVICE_NAME?.trim()) ||
    /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const started = new NodeSDK({
    ...(named ? {} : { serviceName }),
    // Metrics and logs have their own channels (Prometheus, stdout): the SDK must not start
    // OTLP exporters for them, which it does by default.
    metricReaders: [],
    logRecordProcessors: [],
    ...(spanProcessors ? { spanProcessors } : {}),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => isUntracedPath(request),
        // Query values as in the logs: paging and filters only.
        startIncomingSpanHook: (request) => queryAttributes(request.url ?? ''),
        // WebSocket handshakes have spans of their own (sessions), which the upstream's continues.
        ignoreOutgoingRequestHook: (options) => isUpgrade(options),
        // Node's own client only posts webhooks here, from a job or a test delivery: traced
        // within an action only, and by the receiver's origin (its URL may hold its secret).
        requireParentforOutgoingSpans: true,
        startOutgoingSpanHook: (options) => ({ 'url.full': originOf(options) }),
      }),
      new UndiciInstrumentation({
        ignoreRequestHook: (request) =>
          UNTRACED_PATHS.some((path) => request.path.startsWith(path)),
        startSpanHook: (request) => ({
          ...queryAttributes(request.path),
          ...(request.path.includes('?')
            ? { 'url.full': `${request.origin}${redactUrl(request.path)}` }
            : {}),
        }),
        // The instrumentation adds the client span's `traceparent`: one the caller set (the
        // platform's propagation headers, made for this span's parent) would be sent twice.
        requestHook: (_span, request) => {
          if (Array.isArray(request.headers)) dropTraceHeaders(request.headers);
        },
      }),
      // Statements and commands outside any trace (relay polls, periodic jobs) are not traced.
      new PgInstrumentation({ requireParentSpan: true }),
      // The command only: keys and arguments name users and addresses.
      new IORedisInstrumentation({
        requireParentSpan: true,
        dbStatementSerializer: (command) => command,
      }),
    ],
  });
  started.start();
  sdk = started;
  enabled = true;
  return true;
}

/** Flushes the spans not yet exported and stops the SDK (graceful shutdown); nothing when off. */
export async function stopTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  enabled = false;
  await running?.shutdown();
}

/** Whether spans are recorded in this process. */
export function isTracing(): boolean {
  return enabled;
}

function isUntracedPath(request: IncomingMessage): boolean {
  const url = request.url ?? '';
  return UNTRACED_PATHS.some((path) => url.startsWith(path));
}

/** `url.query` as logged (`redactUrl`), when there is a query. */
function queryAttributes(url: string): Attributes {
  const start = url.indexOf('?');
  return start < 0 ? {} : { 'url.query': redactUrl(url)!.slice(start + 1) };
}

function originOf(options: RequestOptions): string {
  const protocol = options.protocol ?? 'http:';
  const host = options.hostname ?? options.host ?? 'localhost';
  return `${protocol}//${host}${options.port ? `:${options.port}` : ''}`;
}

function isUpgrade(options: RequestOptions): boolean {
  const headers = options.headers as Record<string, unknown> | undefined;
  return headers !== undefined && (headers['upgrade'] ?? headers['Upgrade']) !== undefined;
}

/** Removes `traceparent` and `tracestate` from undici's `[name, value, name, value, ...]`. */
function dropTraceHeaders(headers: unknown[]): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) {
    const name = String(headers[i]).toLowerCase();
    if (name === 'traceparent' || name === 'tracestate') headers.splice(i, 2);
  }
}

/** A span and the context in which it is the active one (its children's parent). */
export interface TraceScope {
  readonly span: Span;
  readonly context: Context;
}

/**
 * Starts a span of the platform's tracer, child of `parent` (default: the active context).
 * Undefined when tracing is off; callers branch on it, so off costs nothing more.
 */
export function startSpan(
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  parent: Context = context.active(),
): TraceScope | undefined {
  if (!enabled) return undefined;
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Runs `fn` with `scope`'s span as the active one. */
export function inTraceScope<T>(scope: TraceScope, fn: () => T): T {
  return context.with(scope.context, fn);
}

/**
 * Runs `fn` outside any trace: work of its own that serves many requests (an outbox relay pass)
 * and must not count as part of the one that happened to start it.
 */
export function outsideTraces<T>(fn: () => T): T {
  return enabled ? context.with(ROOT_CONTEXT, fn) : fn();
}

/** Ends `span`, marked failed when `error` is given. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    if (error instanceof Error) span.recordException(error);
  }
  span.end();
}

const HEADER_GETTER: TextMapGetter<Readonly<Record<string, unknown>>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    if (typeof value === 'string') return value;
    if (Buffer.isBuffer(value)) return value.toString('utf8');
    if (Array.isArray(value)) return value.filter((item) => typeof item === 'string');
    return undefined;
  },
};

/** The trace context that `traceparent`/`tracestate` in `headers` (HTTP or AMQP) carry. */
export function extractTraceContext(
  headers: Readonly<Record<string, unknown>> | undefined,
): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, HEADER_GETTER) : ROOT_CONTEXT;
}

/** Writes `traceparent` (and `tracestate`) of `traceContext`'s span into `headers`. */
export function injectTraceContext(traceContext: Context, headers: Record<string, unknown>): void {
  propagation.inject(traceContext, headers);
}

/** The ids of the active span, when tracing and one is active. */
export function activeSpanContext():
  { traceId: string; spanId: string; traceFlags: number } | undefined {
  if (!enabled) return undefined;
  const span = trace.getActiveSpan()?.spanContext();
  return span && trace.isSpanContextValid(span) ? span : undefined;
}

export { SpanKind };
export type { Context as TraceContext, Span };
