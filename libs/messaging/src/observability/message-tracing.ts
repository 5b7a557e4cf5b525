import {
  endSpan,
  extractTraceContext,
  injectTraceContext,
  isTracing,
  SpanKind,
  startSpan,
  type TraceScope,
} from '@ajla/platform';
import type { ConsumeMessage, Options } from 'amqplib';

/**
 * Spans of AMQP publishes and deliveries, written here rather than by an amqplib
 * instrumentation: the relay publishes long after the write and from another context, so the
 * parent of a publish is the trace context stored with its outbox row (`traceparent` of the
 * request or event that wrote it), which such an instrumentation would replace with the relay's.
 * Attributes follow the messaging semantic conventions.
 */

/**
 * Publishes an outbox row in a PRODUCER span, child of the context stored with the row; the
 * published `traceparent` is the span's, so consumers continue from the publish. Without tracing,
 * just `publish(options)` (callers on a hot path check `isTracing()` first and skip the closure).
 */
export function publishTraced<T>(
  exchange: string,
  routingKey: string,
  options: Options.Publish,
  publish: (options: Options.Publish) => Promise<T>,
): Promise<T> {
  if (!isTracing()) return publish(options);
  const headers: Record<string, unknown> = { ...options.headers };
  const scope = startSpan(
    `publish ${exchange}`,
    SpanKind.PRODUCER,
    {
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'publish',
      'messaging.destination.name': exchange,
      'messaging.rabbitmq.destination.routing_key': routingKey,
      ...(options.messageId !== undefined ? { 'messaging.message.id': options.messageId } : {}),
      ...(options.type !== undefined ? { 'ajla.event.type': options.type } : {}),
    },
    extractTraceContext(headers),
  )!;
  injectTraceContext(scope.context, headers);
  return publish({ ...options, headers }).then(
    (result) => {
      endSpan(scope.span);
      return result;
    },
    (error: unknown) => {
      endSpan(scope.span, error);
      throw error;
    },
  );
}

/**
 * A CONSUMER span for a delivery, child of the context in its headers; undefined without
 * tracing. The delivery's request context is made inside it (`createRequestContext`), so the
 * handler's statements, logs and outbox rows follow from it.
 */
export function startDeliverySpan(message: ConsumeMessage, queue: string): TraceScope | undefined {
  if (!isTracing()) return undefined;
  const { fields, properties } = message;
  return startSpan(
    `process ${queue}`,
    SpanKind.CONSUMER,
    {
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': fields.exchange,
      'messaging.destination.subscription.name': queue,
      'messaging.rabbitmq.destination.routing_key': fields.routingKey,
      ...(properties.messageId !== undefined
        ? { 'messaging.message.id': String(properties.messageId) }
        : {}),
      ...(properties.type !== undefined ? { 'ajla.event.type': String(properties.type) } : {}),
      ...(fields.redelivered ? { 'messaging.rabbitmq.message.redelivered': true } : {}),
    },
    extractTraceContext(properties.headers),
  );
}

/** Ends a delivery's span with what became of the delivery. */
export function endDeliverySpan(
  scope: TraceScope | undefined,
  outcome: string | undefined,
  error?: unknown,
): void {
  if (scope === undefined) return;
  if (outcome !== undefined) scope.span.setAttribute('ajla.delivery.outcome', outcome);
  const failed = outcome === 'retried' || outcome === 'dead-lettered' || outcome === 'requeued';
  endSpan(scope.span, error ?? (failed ? `delivery ${outcome}` : undefined));
}
