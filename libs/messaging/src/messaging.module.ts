import {
  BeforeApplicationShutdown,
  DynamicModule,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
  type Provider,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { EventEnvelope, RoutingKey } from '@ajla/contracts';
import {
  METRICS_REGISTRY,
  PeriodicJob,
  READINESS_CHECKS,
  type ReadinessCheck,
  TRANSPORT_STRATEGY,
  loadConfig,
} from '@ajla/platform';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { type AmqpConnectionManager, createAmqpConnection } from './amqp/connection';
import { consumerQueues } from './amqp/topology';
import { MessagingConfig, parseRetryDelays } from './config/messaging.config';
import { EVENT_FILTER, type EventFilter } from './consumer/event-filter';
import { EventTransport } from './consumer/event-transport';
import { defaultLogger } from './logger';
import { MessagingMetrics } from './observability/messaging-metrics';
import { OutboxRelay } from './outbox/outbox-relay';
import { OutboxWriter } from './outbox/outbox-writer';
import { pruneInbox } from './retention/inbox-retention';

export interface MessagingModuleOptions {
  /** Names the connection and the queues (`<serviceName>.events`, ...). */
  serviceName: string;
  /** Defaults to the messaging variables of the environment. */
  config?: MessagingConfig;
  /** Run the outbox relay (default true: every producer needs one). */
  relay?: boolean;
  /**
   * For a service that consumes events: `subscriptionsOf('<service>')` of @ajla/contracts, the
   * keys its queue is bound to. Its `@EventPattern` handlers (in its controllers) must take
   * exactly these; they are served by `EventTransport`, which `createServiceApp` connects.
   */
  subscriptions?: readonly RoutingKey[];
}

/**
 * The service's publishing RabbitMQ connection (amqp-connection-manager), the relay's. A consumer
 * has a connection of its own: RabbitMQ throttles publishing connections under memory pressure,
 * which must not hold up acks, and a consumer's broken queue declaration (which makes its
 * connection start over) must not hold up publishing.
 */
export const AMQP_CONNECTION = Symbol('AMQP_CONNECTION');
const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
/** The consumer's own connection (see `AMQP_CONNECTION`), with `subscriptions` only. */
const CONSUMER_CONNECTION = Symbol('CONSUMER_CONNECTION');
/** `MessagingMetrics` on the service's registry, or null without one. */
const MESSAGING_METRICS = Symbol('MESSAGING_METRICS');

interface ResolvedOptions {
  serviceName: string;
  config: MessagingConfig;
  relay: boolean;
  subscriptions?: readonly RoutingKey[];
}

/**
 * Starts the relay with the application, and the jobs beside the consumer (inbox retention, queue
 * metrics); stops the consumer, then the relay, before Postgres closes. (The consumer itself,
 * `EventTransport`, starts with the app's microservices: `app.startAllMicroservices()`.)
 */
@Injectable()
export class MessagingRuntime
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  relay?: OutboxRelay;
  private stopListening?: () => void;
  private inboxRetention?: PeriodicJob;
  private closeQueueMetrics?: () => Promise<void>;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: ResolvedOptions,
    private readonly outbox: OutboxWriter,
    @Inject(AMQP_CONNECTION) private readonly connection: AmqpConnectionManager,
    private readonly dataSource: DataSource,
    @Inject(MESSAGING_METRICS) private readonly metrics: MessagingMetrics | null,
    @Optional() readonly consumer?: EventTransport,
    @Optional()
    @Inject(CONSUMER_CONNECTION)
    private readonly consumerConnection?: AmqpConnectionManager,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this.options;
    const metrics = this.metrics ?? undefined;
    if (this.options.relay) {
      this.relay = new OutboxRelay({
        dataSource: this.dataSource,
        connection: this.connection,
        exchange: config.EVENTS_EXCHANGE,
        batchSize: config.OUTBOX_BATCH_SIZE,
        pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
        minBatchIntervalMs: config.OUTBOX_MIN_BATCH_INTERVAL_MS,
        retentionHours: config.OUTBOX_RETENTION_HOURS,
        vacuumEveryRows: config.OUTBOX_VACUUM_EVERY_ROWS,
        logger: defaultLogger('OutboxRelay'),
        onBatch: (batch) => metrics?.relayBatch(batch),
      });
      metrics?.watchOutbox(this.dataSource);
      await this.relay.start();
      const relay = this.relay;
      this.stopListening = this.outbox.onCommitted(() => relay.wake());
    }
    if (this.consumerConnection) {
      this.closeQueueMetrics = metrics?.watchQueues(
        this.consumerConnection,
        consumerQueues(this.options.serviceName),
      );
      this.startInboxRetention(metrics);
    }
  }

  /** Only a consumer writes its inbox: the job that deletes old rows runs beside it. */
  private startInboxRetention(metrics: MessagingMetrics | undefined): void {
    const days = this.options.config.INBOX_RETENTION_DAYS;
    if (days === 0) return;
    const logger = defaultLogger('InboxRetention');
    this.inboxRetention = new PeriodicJob({
      name: 'Inbox retention',
      intervalMs: this.options.config.INBOX_PRUNE_INTERVAL_MINUTES * 60_000,
      // Soon after start (a service restarted often must still prune), not during it.
      firstRunAfterMs: 60_000,
      logger,
      run: async () => {
        const rows = await pruneInbox(this.dataSource, days);
        metrics?.inboxPruned(rows);
        if (rows > 0) logger.log(`Pruned ${rows} inbox rows handled more than ${days} days ago`);
      },
    });
    this.inboxRetention.start();
  }

  // Before the HTTP server closes: no new deliveries; those in hand finish and are acked. (Nest
  // closes the transport again later, with the app's microservices: by then a no-op.)
  async beforeApplicationShutdown(): Promise<void> {
    await this.inboxRetention?.stop();
    await this.closeQueueMetrics?.();
    await this.consumer?.close();
    await this.consumerConnection?.close().catch(() => undefined);
  }

  // After the HTTP server (the last requests' events get a last batch), before Postgres closes
  // (this module is not global, so its hooks run before those of the database module).
  async onApplicationShutdown(): Promise<void> {
    this.stopListening?.();
    await this.relay?.stop();
    await this.connection.close().catch(() => undefined);
  }
}

/**
 * `/health/ready`: connected to RabbitMQ, and consuming when the service has handlers. Not
 * critical (reported `degraded`, the service stays ready): without the broker a service still
 * answers its API; its events wait in the outbox, those for it in its queue, until it returns.
 */
@Injectable()
export class RabbitReadinessCheck implements ReadinessCheck {
  readonly name = 'rabbitmq';
  readonly critical = false;

  constructor(
    @Inject(AMQP_CONNECTION) private readonly connection: AmqpConnectionManager,
    @Optional() private readonly consumer?: EventTransport,
  ) {}

  async check(): Promise<void> {
    if (!this.connection.isConnected()) throw new Error('not connected to RabbitMQ');
    const problem = this.consumer?.problem();
    if (problem) throw new Error(problem);
  }
}

/**
 * The service's `EventFilter` (`EVENT_FILTER`, provided anywhere in its app), found at the first
 * event, when every module is ready; none: every event is handled.
 */
function eventFilterOf(modules: ModuleRef): (event: EventEnvelope) => boolean | Promise<boolean> {
  let filter: EventFilter | null | undefined;
  return (event) => {
    if (filter === undefined) {
      try {
        filter = modules.get<EventFilter>(EVENT_FILTER, { strict: false });
      } catch {
        filter = null;
      }
    }
    return filter === null ? true : filter.handles(event);
  };
}

/**
 * RabbitMQ for one service: the connection, the outbox relay, with `subscriptions` the transport
 * of its `@EventPattern` handlers (`EventTransport`, also provided as the platform's
 * `TRANSPORT_STRATEGY`), a readiness check, and shutdown in order. Needs the service's
 * `DataSource` (`DatabaseModule`) with `MESSAGING_ENTITIES` and the messaging migration. Exports
 * `OutboxWriter`.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    const config = options.config ?? loadConfig(MessagingConfig);
    const resolved: ResolvedOptions = {
      serviceName: options.serviceName,
      config,
      relay: options.relay ?? true,
      subscriptions: options.subscriptions,
    };
    const consumerProviders: Provider[] = resolved.subscriptions
      ? [
          {
            provide: CONSUMER_CONNECTION,
            useFactory: () =>
              createAmqpConnection({
                url: config.RABBITMQ_URL,
                name: `${options.serviceName} consumer`,
                logger: defaultLogger('RabbitMQ'),
              }),
          },
          {
            provide: EventTransport,
            useFactory: (
              dataSource: DataSource,
              connection: AmqpConnectionManager,
              metrics: MessagingMetrics | null,
              modules: ModuleRef,
            ) =>
              new EventTransport({
                dataSource,
                connection,
                serviceName: options.serviceName,
                exchange: config.EVENTS_EXCHANGE,
                routingKeys: resolved.subscriptions,
                prefetch: config.RABBITMQ_PREFETCH,
                batchSize: config.CONSUMER_BATCH_SIZE,
                retryDelaysMs: parseRetryDelays(config.CONSUMER_RETRY_DELAYS_MS),
                logger: defaultLogger('EventConsumer'),
                onSettled: (outcome, message) => metrics?.settled(outcome, message),
                handles: eventFilterOf(modules),
              }),
            inject: [DataSource, CONSUMER_CONNECTION, MESSAGING_METRICS, ModuleRef],
          },
          { provide: TRANSPORT_STRATEGY, useExisting: EventTransport },
        ]
      : [];
    return {
      module: MessagingModule,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: resolved },
        {
          provide: AMQP_CONNECTION,
          useFactory: () =>
            createAmqpConnection({
              url: config.RABBITMQ_URL,
              name: `${options.serviceName} publisher`,
              logger: defaultLogger('RabbitMQ'),
            }),
        },
        {
          provide: MESSAGING_METRICS,
          useFactory: (registry?: Registry) => (registry ? new MessagingMetrics(registry) : null),
          inject: [{ token: METRICS_REGISTRY, optional: true }],
        },
        ...consumerProviders,
        OutboxWriter,
        MessagingRuntime,
        RabbitReadinessCheck,
        { provide: READINESS_CHECKS, useExisting: RabbitReadinessCheck },
      ],
      exports: [
        OutboxWriter,
        AMQP_CONNECTION,
        MessagingRuntime,
        ...(resolved.subscriptions ? [EventTransport, TRANSPORT_STRATEGY] : []),
      ],
    };
  }
}
