import { SpanKind, trace } from '@opentelemetry/api';
import {
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import {
  createRequestContext,
  propagationHeaders,
  runWithRequestContext,
} from '../http/request-context';
import { logContext } from './logger';
import {
  extractTraceContext,
  inTraceScope,
  isTracing,
  startSpan,
  startTracing,
  stopTracing,
  tracingConfigured,
} from './tracing';

/** The exporter's spans once there are `count` (the SDK exports once the resource is detected). */
async function finished(exporter: InMemorySpanExporter, count: number) {
  for (let i = 0; i < 100 && exporter.getFinishedSpans().length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return exporter.getFinishedSpans();
}

describe('tracingConfigured', () => {
  it('is off without OTEL_* settings, and when they say none or disabled', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_SERVICE_NAME: 'x' })).toBe(false);
    expect(
      tracingConfigured({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_SDK_DISABLED: 'true',
      }),
    ).toBe(false);
    expect(
      tracingConfigured({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_TRACES_EXPORTER: 'none',
      }),
    ).toBe(false);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
  });

  it('is on with an OTLP endpoint or a traces exporter', () => {
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(true);
    expect(
      tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' }),
    ).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(
      tracingConfigured({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_SDK_DISABLED: 'false',
      }),
    ).toBe(true);
  });
});

describe('tracing off (the default)', () => {
  it('starts nothing, and spans are not even made', () => {
    expect(startTracing('test-service', {})).toBe(false);
    expect(isTracing()).toBe(false);
    expect(startSpan('x', SpanKind.INTERNAL, {})).toBeUndefined();
  });

  it("keeps the request context's own ids, in headers and log lines", () => {
    const context = createRequestContext({
      correlationId: 'c-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(context.trace).toBeUndefined();
    expect(context.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(propagationHeaders(context)).toEqual({
      'x-correlation-id': 'c-1',
      traceparent: `00-0af7651916cd43dd8448eb211c80319c-${context.spanId}-01`,
    });
    runWithRequestContext(context, () => {
      expect(logContext()).toEqual({
        reqId: context.requestId,
        correlationId: 'c-1',
        traceId: '0af7651916cd43dd8448eb211c80319c',
      });
    });
  });
});

describe('tracing on', () => {
  const exporter = new InMemorySpanExporter();
  // What a collector got from a batch that exports once a minute: only what stopping flushed.
  const collected: ReadableSpan[] = [];
  const collector = {
    export: (spans: ReadableSpan[], done: (result: { code: number }) => void) => {
      collected.push(...spans);
      done({ code: 0 });
    },
    shutdown: async () => undefined,
  };

  beforeAll(() => {
    expect(
      startTracing('test-service', { OTEL_TRACES_EXPORTER: 'otlp' }, [
        new SimpleSpanProcessor(exporter),
        new BatchSpanProcessor(collector, { scheduledDelayMillis: 60_000 }),
      ]),
    ).toBe(true);
  });

  afterAll(() => stopTracing());

  it("gives a unit of work its span's ids, re-enters the span with it, and logs both ids", async () => {
    const incoming = extractTraceContext({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const scope = startSpan('unit', SpanKind.SERVER, {}, incoming)!;
    const span = scope.span.spanContext();
    const context = inTraceScope(scope, () => createRequestContext({ correlationId: 'c-2' }));
    expect(context).toMatchObject({
      correlationId: 'c-2',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: span.spanId,
      traceFlags: '01',
    });
    // Entered from anywhere (a frame of a socket, a delivery in a shared transaction).
    await runWithRequestContext(context, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      expect(trace.getActiveSpan()).toBe(scope.span);
      expect(logContext()).toEqual({
        reqId: context.requestId,
        correlationId: 'c-2',
        traceId: span.traceId,
        spanId: span.spanId,
      });
      // A span below it (a frame's) is what the next hop continues.
      const child = startSpan('child', SpanKind.INTERNAL, {})!;
      inTraceScope(child, () => {
        expect(propagationHeaders().traceparent).toBe(
          `00-${span.traceId}-${child.span.spanContext().spanId}-01`,
        );
      });
      child.span.end();
    });
    scope.span.end();
    const spans = await finished(exporter, 2);
    const unitSpan = spans.find((s) => s.name === 'unit');
    const childSpan = spans.find((s) => s.name === 'child');
    expect(unitSpan!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(childSpan!.parentSpanContext?.spanId).toBe(span.spanId);
  });

  it('flushes the spans a batch still holds when it stops (the graceful shutdown)', async () => {
    startSpan('last', SpanKind.SERVER, {})!.span.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(collected.map((span) => span.name)).not.toContain('last');
    await stopTracing();
    expect(isTracing()).toBe(false);
    expect(collected.map((span) => span.name)).toEqual(expect.arrayContaining(['unit', 'last']));
  });
});
