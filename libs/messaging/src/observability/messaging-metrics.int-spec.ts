import { Registry } from 'prom-client';
import {
  RecordingHandler,
  aSubmittedEvent,
  testBed,
  waitFor,
  type TestBed,
  eventTransport,
  listen,
} from '../../test/harness';
import type { EventTransport } from '../consumer/event-transport';
import { silentLogger } from '../logger';
import { OutboxRelay } from '../outbox/outbox-relay';
import { MessagingMetrics } from './messaging-metrics';

jest.setTimeout(30_000);

const RETRY_DELAYS_MS = [100];

/** One sample of a metric's text exposition, e.g. `value(text, 'ajla_outbox_backlog')`. */
function value(text: string, name: string, labels = ''): number | undefined {
  const escaped = `${name}${labels ? `{${labels}}` : ''}`.replace(/[{}.]/g, (c) => `\\${c}`);
  const match = new RegExp(`^${escaped} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

describe('messaging metrics (real Postgres and RabbitMQ)', () => {
  let bed: TestBed;
  let registry: Registry;
  let metrics: MessagingMetrics;
  let relay: OutboxRelay;
  let consumer: EventTransport;
  let closeQueueMetrics: () => Promise<void>;
  const failing = new Set<string>();

  beforeAll(async () => {
    bed = await testBed('metrics');
    registry = new Registry();
    metrics = new MessagingMetrics(registry);
    metrics.watchOutbox(bed.dataSource);
    relay = new OutboxRelay({
      dataSource: bed.dataSource,
      connection: bed.connection,
      exchange: bed.exchange,
      listen: false,
      pollIntervalMs: 60_000,
      logger: silentLogger,
      onBatch: (batch) => metrics.relayBatch(batch),
    });
    consumer = eventTransport({
      dataSource: bed.dataSource,
      connection: bed.connection,
      serviceName: bed.serviceName,
      exchange: bed.exchange,
      handlers: [
        new RecordingHandler(['request.submitted'], (event) => {
          if (failing.has(event.id)) throw new Error('broken');
        }),
      ],
      retryDelaysMs: RETRY_DELAYS_MS,
      logger: silentLogger,
      onSettled: (outcome, message) => metrics.settled(outcome, message),
    });
    await listen(consumer);
    await consumer.whenConsuming();
    closeQueueMetrics = metrics.watchQueues(bed.connection, consumer.queues);
  });

  afterAll(async () => {
    await closeQueueMetrics?.();
    await consumer?.close();
    await relay?.stop();
    await bed?.close(RETRY_DELAYS_MS);
  });

  it('reports the outbox backlog and the age of its oldest unsent event, then what was published', async () => {
    let text = await registry.metrics();
    expect(value(text, 'ajla_outbox_backlog')).toBe(0);
    expect(value(text, 'ajla_outbox_oldest_unsent_age_seconds')).toBe(0);

    const ok = [aSubmittedEvent(), aSubmittedEvent()];
    const bad = aSubmittedEvent();
    failing.add(bad.id);
    await bed.commitEvents([ok[0]]);
    await bed.dataSource.query(
      `UPDATE messaging_test.outbox_messages SET created_at = now() - interval '90 seconds'`,
    );
    await bed.commitEvents([ok[1], bad]);
    text = await registry.metrics();
    expect(value(text, 'ajla_outbox_backlog')).toBe(3);
    const age = value(text, 'ajla_outbox_oldest_unsent_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(90);
    expect(age).toBeLessThan(900);

    await relay.start();
    await relay.whenConnected();
    await relay.relayPending();
    text = await registry.metrics();
    expect(value(text, 'ajla_outbox_backlog')).toBe(0);
    expect(value(text, 'ajla_outbox_oldest_unsent_age_seconds')).toBe(0);
    expect(value(text, 'ajla_events_published_total', 'type="request.submitted"')).toBe(3);
  });

  it('counts deliveries by outcome, times handling, and reads the queue and dead-letter queue depths and the consumers', async () => {
    const dlq = `${bed.serviceName}.events.dlq`;
    const outcome = (name: string) =>
      registry
        .metrics()
        .then((text) =>
          value(text, 'ajla_events_consumed_total', `type="request.submitted",outcome="${name}"`),
        );
    await waitFor(async () => (await outcome('dead-lettered')) === 1);
    expect(await outcome('handled')).toBe(2);
    expect(await outcome('retried')).toBe(1);
    const text = await registry.metrics();
    expect(value(text, 'ajla_events_handled_delay_seconds_count', 'type="request.submitted"')).toBe(
      2,
    );
    expect(value(text, 'ajla_events_queue_messages', `queue="${dlq}"`)).toBe(1);
    expect(value(text, 'ajla_events_queue_messages', `queue="${bed.serviceName}.events"`)).toBe(0);
    expect(value(text, 'ajla_events_queue_consumers', `queue="${bed.serviceName}.events"`)).toBe(1);

    // Lag: with the consumer stopped, what arrives waits in its queue, which nobody consumes.
    await consumer.close();
    await bed.commitEvents([aSubmittedEvent(), aSubmittedEvent()]);
    await relay.relayPending();
    await waitFor(async () => {
      const now = await registry.metrics();
      return value(now, 'ajla_events_queue_messages', `queue="${bed.serviceName}.events"`) === 2;
    });
    const after = await registry.metrics();
    expect(value(after, 'ajla_events_queue_consumers', `queue="${bed.serviceName}.events"`)).toBe(
      0,
    );
  });
});
