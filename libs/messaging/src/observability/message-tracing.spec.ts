import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ConsumeMessage, Options } from 'amqplib';
import { createRequestContext, inTraceScope, startTracing, stopTracing } from '@ajla/platform';
import { eventPublishOptions } from '../amqp/message-headers';
import { endDeliverySpan, publishTraced, startDeliverySpan } from './message-tracing';

const envelope = {
  id: '0192f0c4-0000-7000-8000-000000000001',
  type: 'request.submitted' as const,
  occurred_at: '2026-11-22T10:00:01.500Z',
  producer: 'request-service',
  correlation_id: 'corr-1',
};
// What the outbox row kept: the request that wrote the event.
const stored = {
  'x-correlation-id': 'corr-1',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

function delivered(headers: Record<string, unknown>): ConsumeMessage {
  return {
    content: Buffer.from('{}'),
    fields: {
      deliveryTag: 1,
      redelivered: false,
      exchange: 'ajla.events',
      routingKey: 'request.submitted',
      consumerTag: 'c',
    },
    properties: { messageId: envelope.id, type: envelope.type, headers },
  } as unknown as ConsumeMessage;
}

describe('message tracing, off (the default)', () => {
  it('publishes with the stored headers as they are', async () => {
    const options = eventPublishOptions(envelope, stored);
    const publish = jest.fn(async (_: Options.Publish) => true);
    await publishTraced('ajla.events', 'request.submitted', options, publish);
    expect(publish).toHaveBeenCalledWith(options);
    expect(startDeliverySpan(delivered(options.headers), 'q')).toBeUndefined();
  });
});

describe('message tracing, on', () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    startTracing('test-service', { OTEL_TRACES_EXPORTER: 'otlp' }, [
      new SimpleSpanProcessor(exporter),
    ]);
  });
  afterAll(() => stopTracing());

  async function finished(count: number) {
    for (let i = 0; i < 100 && exporter.getFinishedSpans().length < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return exporter.getFinishedSpans();
  }

  it('publishes in a PRODUCER span, child of the stored context, and its consumer continues from it', async () => {
    exporter.reset();
    let sent: Options.Publish | undefined;
    await publishTraced(
      'ajla.events',
      'request.submitted',
      eventPublishOptions(envelope, stored),
      async (options) => {
        sent = options;
        return true;
      },
    );
    const [producer] = await finished(1);
    expect(producer).toMatchObject({
      name: 'publish ajla.events',
      kind: SpanKind.PRODUCER,
      attributes: {
        'messaging.system': 'rabbitmq',
        'messaging.destination.name': 'ajla.events',
        'messaging.rabbitmq.destination.routing_key': 'request.submitted',
        'messaging.message.id': envelope.id,
        'ajla.event.type': 'request.submitted',
      },
    });
    expect(producer!.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    const { traceId, spanId } = producer!.spanContext();
    expect(traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    // The message carries the publish as its parent, and the correlation id as it was.
    expect(sent!.headers).toEqual({
      'x-correlation-id': 'corr-1',
      traceparent: `00-${traceId}-${spanId}-01`,
    });

    const delivery = startDeliverySpan(delivered(sent!.headers), 'notification-service.events')!;
    const context = inTraceScope(delivery, () => createRequestContext({}));
    expect(context.spanId).toBe(delivery.span.spanContext().spanId);
    endDeliverySpan(delivery, 'handled');
    const consumer = (await finished(2)).find((span) => span.kind === SpanKind.CONSUMER)!;
    expect(consumer.parentSpanContext?.spanId).toBe(spanId);
    expect(consumer.spanContext().traceId).toBe(traceId);
    expect(consumer.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.destination.subscription.name': 'notification-service.events',
      'ajla.delivery.outcome': 'handled',
    });
  });

  it('marks a publish the broker did not confirm, and a delivery that failed, as errors', async () => {
    exporter.reset();
    const refused = publishTraced(
      'ajla.events',
      'request.submitted',
      eventPublishOptions(envelope, stored),
      async () => {
        throw new Error('not confirmed');
      },
    );
    await expect(refused).rejects.toThrow('not confirmed');
    endDeliverySpan(startDeliverySpan(delivered(stored), 'q'), 'retried');
    const spans = await finished(2);
    expect(spans.map((span) => span.status)).toHaveLength(2);
    expect(spans.map((span) => span.status)).toEqual(
      expect.arrayContaining([
        { code: SpanStatusCode.ERROR, message: 'not confirmed' },
        { code: SpanStatusCode.ERROR, message: 'delivery retried' },
      ]),
    );
  });
});
