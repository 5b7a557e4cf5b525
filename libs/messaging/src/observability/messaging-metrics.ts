import { isRoutingKey } from '@ajla/contracts';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { ConsumeMessage } from 'amqplib';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { AmqpConnectionManager } from '../amqp/connection';
import type { ConsumerQueues } from '../amqp/topology';
import type { DeliveryOutcome } from '../consumer/event-consumer';
import type { RelayBatch } from '../outbox/outbox-relay';
import { messagingTables } from '../persistence/messaging-tables';

/** A scrape waits at most this long for Postgres or RabbitMQ; past it, the gauges keep their last value. */
const SCRAPE_TIMEOUT_MS = 1_000;

/** Only known event types as labels: a stray message must not grow a metric without bound. */
function typeLabel(type: unknown): string {
  return isRoutingKey(type) ? type : 'other';
}

/**
 * The events metrics of one service, on its `/metrics`. Counters move where things happen (cheap:
 * no I/O on the hot path); the outbox and queue gauges are read once per scrape.
 */
export class MessagingMetrics {
  private readonly published: Counter<'type'>;
  private readonly publishFailures: Counter;
  private readonly consumed: Counter<'type' | 'outcome'>;
  private readonly delay: Histogram<'type'>;
  private readonly pruned: Counter;

  constructor(private readonly registry: Registry) {
    this.published = this.counter({
      name: 'ajla_events_published_total',
      help: 'Events the outbox relay published and RabbitMQ confirmed, by type',
      labelNames: ['type'],
    });
    this.publishFailures = this.counter({
      name: 'ajla_outbox_publish_failures_total',
      help: 'Outbox events RabbitMQ did not confirm (published again later)',
    });
    this.consumed = this.counter({
      name: 'ajla_events_consumed_total',
      help: 'Deliveries consumed, by event type and outcome (handled, duplicate, retried, dead-lettered, skipped, ignored, requeued)',
      labelNames: ['type', 'outcome'],
    });
    this.delay =
      (registry.getSingleMetric('ajla_events_handled_delay_seconds') as Histogram<'type'>) ??
      new Histogram({
        name: 'ajla_events_handled_delay_seconds',
        help: 'Time from an event occurring (its AMQP timestamp, whole seconds) to this service handling it, retries included',
        labelNames: ['type'],
        buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 21600],
        registers: [registry],
      });
    this.pruned = this.counter({
      name: 'ajla_inbox_pruned_total',
      help: 'Inbox rows deleted by the retention job',
    });
  }

  relayBatch(batch: RelayBatch): void {
    // One increment per type and batch (a chat batch carries a hundred events of one type).
    const counts = new Map<string, number>();
    for (const key of batch.publishedKeys ?? []) counts.set(key, (counts.get(key) ?? 0) + 1);
    for (const [key, count] of counts) this.published.inc({ type: typeLabel(key) }, count);
    if (batch.claimed > batch.published) this.publishFailures.inc(batch.claimed - batch.published);
  }

  settled(outcome: DeliveryOutcome, message: ConsumeMessage, now = Date.now()): void {
    const type = typeLabel(message.properties.type);
    this.consumed.inc({ type, outcome });
    const timestamp: unknown = message.properties.timestamp;
    if (outcome === 'handled' && typeof timestamp === 'number' && timestamp > 0) {
      this.delay.observe({ type }, Math.max(0, now / 1000 - timestamp));
    }
  }

  inboxPruned(rows: number): void {
    this.pruned.inc(rows);
  }

  /**
   * `ajla_outbox_backlog` and `ajla_outbox_oldest_unsent_age_seconds`, from one query per scrape
   * on the unsent rows' partial index.
   */
  watchOutbox(dataSource: DataSource): void {
    const { outbox } = messagingTables(dataSource);
    const sample = sharedPerScrape(async () => {
      const [row] = (await withTimeout(
        dataSource.query(
          `SELECT (SELECT count(*) FROM ${outbox} WHERE published_at IS NULL)::int AS backlog,
                  (SELECT extract(epoch FROM now() - created_at) FROM ${outbox}
                    WHERE published_at IS NULL ORDER BY seq LIMIT 1)::float8 AS age`,
        ),
      )) as { backlog: number; age: number | null }[];
      return row;
    });
    this.gauge({
      name: 'ajla_outbox_backlog',
      help: 'Events in the outbox not yet published',
      async collect() {
        const row = await sample().catch(() => undefined);
        if (row) this.set(row.backlog);
      },
    });
    this.gauge({
      name: 'ajla_outbox_oldest_unsent_age_seconds',
      help: 'Age of the oldest event not yet published (0: none waiting)',
      async collect() {
        const row = await sample().catch(() => undefined);
        if (row) this.set(row.age ?? 0);
      },
    });
  }

  /**
   * `ajla_events_queue_messages{queue}`: messages ready in the service's queue (its consumer lag)
   * and in its dead-letter queue; `ajla_events_queue_consumers{queue}`: the consumers attached to
   * its queue (every replica's; 0: nobody takes its events). From one passive check of each queue
   * per scrape.
   */
  watchQueues(connection: AmqpConnectionManager, queues: ConsumerQueues): () => Promise<void> {
    const channel: ChannelWrapper = connection.createChannel({ name: 'queue-metrics' });
    // A queue not declared yet closes the channel; the wrapper opens a new one.
    channel.on('error', () => undefined);
    const sample = sharedPerScrape(async () => {
      const checked = new Map<string, { messageCount: number; consumerCount: number }>();
      if (!connection.isConnected()) return checked;
      await Promise.all(
        [queues.main, queues.deadLetter].map(async (queue) => {
          const reply = await withTimeout(channel.checkQueue(queue)).catch(() => undefined);
          if (reply) checked.set(queue, reply);
        }),
      );
      return checked;
    });
    this.gauge({
      name: 'ajla_events_queue_messages',
      help: "Messages ready in this service's queue (consumer lag) and in its dead-letter queue",
      labelNames: ['queue'],
      async collect() {
        for (const [queue, reply] of await sample()) this.set({ queue }, reply.messageCount);
      },
    });
    this.gauge({
      name: 'ajla_events_queue_consumers',
      help: "Consumers attached to this service's queue, every replica's (0: its events wait)",
      labelNames: ['queue'],
      async collect() {
        const reply = (await sample()).get(queues.main);
        if (reply) this.set({ queue: queues.main }, reply.consumerCount);
      },
    });
    return () => channel.close().catch(() => undefined);
  }

  private counter<L extends string>(config: {
    name: string;
    help: string;
    labelNames?: L[];
  }): Counter<L> {
    return (
      (this.registry.getSingleMetric(config.name) as Counter<L> | undefined) ??
      new Counter({ ...config, registers: [this.registry] })
    );
  }

  private gauge<L extends string>(config: ConstructorParameters<typeof Gauge<L>>[0]): void {
    // A second application in one registry (tests) keeps the first one's collector.
    if (this.registry.getSingleMetric(config.name)) return;
    new Gauge({ ...config, registers: [this.registry] });
  }
}

/** The gauges of one scrape are collected at once: they share one query. */
function sharedPerScrape<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), SCRAPE_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
