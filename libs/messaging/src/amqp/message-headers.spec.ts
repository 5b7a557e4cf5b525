import type { Message } from 'amqplib';
import {
  deadLetterCopyOptions,
  eventPublishOptions,
  retryCopyOptions,
  retryCountOf,
} from './message-headers';
import { consumerQueues } from './topology';

const envelope = {
  id: '0192f0c4-0000-7000-8000-000000000001',
  type: 'request.submitted' as const,
  occurred_at: '2026-11-22T10:00:01.500Z',
  producer: 'request-service',
  correlation_id: 'corr-1',
};
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function delivery(
  headers: Record<string, unknown> = {},
  routingKey = 'request.submitted',
): Message {
  return {
    content: Buffer.from('{}'),
    fields: {
      deliveryTag: 1,
      redelivered: false,
      exchange: 'ajla.events',
      routingKey,
    },
    properties: {
      messageId: envelope.id,
      type: envelope.type,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      deliveryMode: 2,
      timestamp: 1795428001,
      appId: 'request-service',
      headers,
    },
  } as unknown as Message;
}

describe('eventPublishOptions', () => {
  it('publishes persistent, with message_id = envelope id, type = routing key, and the trace headers', () => {
    expect(eventPublishOptions(envelope, { 'x-correlation-id': 'other', traceparent })).toEqual({
      persistent: true,
      messageId: envelope.id,
      type: 'request.submitted',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      timestamp: Math.floor(Date.parse(envelope.occurred_at) / 1000),
      appId: 'request-service',
      // The envelope's correlation id wins over the one captured from the context.
      headers: { 'x-correlation-id': 'corr-1', traceparent },
    });
  });

  it('falls back to the captured correlation id, and leaves out what it does not have', () => {
    expect(
      eventPublishOptions({ ...envelope, correlation_id: null }, { 'x-correlation-id': 'ctx' })
        .headers,
    ).toEqual({ 'x-correlation-id': 'ctx' });
    expect(eventPublishOptions({ ...envelope, correlation_id: null }, {}).headers).toEqual({});
  });
});

describe('retry headers', () => {
  it('reads the retry count, 0 when absent or not a count', () => {
    expect(retryCountOf(delivery())).toBe(0);
    expect(retryCountOf(delivery({ 'x-retry-count': 3 }))).toBe(3);
    expect(retryCountOf(delivery({ 'x-retry-count': '2' }))).toBe(2);
    expect(retryCountOf(delivery({ 'x-retry-count': -1 }))).toBe(0);
    expect(retryCountOf(delivery({ 'x-retry-count': 'many' }))).toBe(0);
  });

  it('makes a retry copy: same identity, next count, the error, the original routing key, no broker headers', () => {
    const options = retryCopyOptions(
      delivery({ traceparent, 'x-death': [{ count: 1 }], 'x-delivery-count': 2 }),
      1,
      new Error('database is down'),
    );
    expect(options).toEqual({
      persistent: true,
      messageId: envelope.id,
      type: 'request.submitted',
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      timestamp: 1795428001,
      appId: 'request-service',
      headers: {
        traceparent,
        'x-retry-count': 1,
        'x-last-error': 'Error: database is down',
        'x-original-routing-key': 'request.submitted',
      },
    });
  });

  it('keeps the first routing key through retries (a retried copy comes back under the queue name)', () => {
    const comeBack = delivery(
      { 'x-retry-count': 1, 'x-original-routing-key': 'request.submitted' },
      'svc.events',
    );
    expect(retryCopyOptions(comeBack, 2, 'boom').headers).toMatchObject({
      'x-retry-count': 2,
      'x-original-routing-key': 'request.submitted',
      'x-last-error': 'boom',
    });
  });

  it('makes a dead-letter copy saying why, when and where, with a bounded error text', () => {
    const options = deadLetterCopyOptions(
      delivery({ 'x-retry-count': 2 }),
      'handler_failed',
      new Error('x'.repeat(5000)),
      'conversation-service',
      new Date('2026-11-22T10:00:00.000Z'),
    );
    expect(options.headers).toMatchObject({
      'x-retry-count': 2,
      'x-dead-letter-reason': 'handler_failed',
      'x-failed-at': '2026-11-22T10:00:00.000Z',
      'x-failed-by': 'conversation-service',
    });
    expect((options.headers!['x-last-error'] as string).length).toBe(1000);
  });
});

describe('consumerQueues', () => {
  it('names the queues after the service', () => {
    const queues = consumerQueues('conversation-service');
    expect(queues.main).toBe('conversation-service.events');
    expect(queues.deadLetter).toBe('conversation-service.events.dlq');
    expect(queues.retry(5000)).toBe('conversation-service.events.retry.5000');
  });

  it('refuses a name that would make odd queue names', () => {
    expect(() => consumerQueues('')).toThrow();
    expect(() => consumerQueues('Has Spaces')).toThrow();
  });
});
