import {
  BeforeApplicationShutdown,
  DynamicModule,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
  type Type,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { RoutingKey } from '@ajla/contracts';
import {
  METRICS_REGISTRY,
  PeriodicJob,
  READINESS_CHECKS,
  type ReadinessCheck,
  loadConfig,
} from '@ajla/platform';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { type AmqpConnectionManager, createAmqpConnection } from './amqp/connection';
import { MessagingConfig, parseRetryDelays } from './config/messaging.config';
import { EventConsumer } from './consumer/event-consumer';
import type { EventHandler } from './consumer/event-handler';
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
  /** Event handlers, registered as providers of the service; a consumer runs when there are any. */
  handlers?: Type<EventHandler>[];
  /** The keys its queue binds, with handlers: `subscriptionsOf('<service>')` from @ajla/contracts. */
  routingKeys?: readonly RoutingKey[];
}

/**
 * The service's publishing RabbitMQ connection (amqp-connection-manager), the relay's. A consumer
 * has a connection of its own: RabbitMQ throttles publishing connections under memory pressure,
 * which must not hold up acks, and a consumer's broken queue declaration (which makes its
 * connection start over) must not hold up publishing.
 */
export const AMQP_CONNECTION = Symbol('AMQP_CONNECTION');
const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

interface ResolvedOptions {
  serviceName: string;
  config: MessagingConfig;
  relay: boolean;
  handlers: Type<EventHandler>[];
  routingKeys?: readonly RoutingKey[];
}

/** Starts the relay and the consumer with the application, and stops them in the right order. */
@Injectable()
export class MessagingRuntime
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  relay?: OutboxRelay;
  consumer?: EventConsumer;
  private consumerConnection?: AmqpConnectionManager;
  private stopListening?: () => void;
  private inboxRetention?: PeriodicJob;
  private closeQueueMetrics?: () => Promise<void>;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: ResolvedOptions,
    private readonly outbox: OutboxWriter,
    @Inject(AMQP_CONNECTION) private readonly connection: AmqpConnectionManager,
    private readonly dataSource: DataSource,
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(METRICS_REGISTRY) private readonly registry?: Registry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { config, serviceName } = this.options;
    const metrics = this.registry ? new MessagingMetrics(this.registry) : undefined;
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
    if (this.options.handlers.length > 0) {
      const handlers = this.options.handlers.map((type) =>
        this.moduleRef.get<EventHandler>(type, { strict: false }),
      );
      this.consumerConnection = createAmqpConnection({
        url: config.RABBITMQ_URL,
        name: `${serviceName} consumer`,
        logger: defaultLogger('RabbitMQ'),
      });
      this.consumer = new EventConsumer({
        dataSource: this.dataSource,
        connection: this.consumerConnection,
        serviceName,
        exchange: config.EVENTS_EXCHANGE,
        handlers,
        routingKeys: this.options.routingKeys,
        prefetch: config.RABBITMQ_PREFETCH,
        retryDelaysMs: parseRetryDelays(config.CONSUMER_RETRY_DELAYS_MS),
        logger: defaultLogger('EventConsumer'),
        onSettled: (outcome, message) => metrics?.settled(outcome, message),
      });
      await this.consumer.start();
      this.closeQueueMetrics = metrics?.watchQueues(this.consumerConnection, this.consumer.queues);
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

  // Before the HTTP server closes: no new deliveries; those in hand finish and are acked.
  async beforeApplicationShutdown(): Promise<void> {
    await this.inboxRetention?.stop();
    await this.closeQueueMetrics?.();
    await this.consumer?.stop();
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
    private readonly runtime: MessagingRuntime,
  ) {}

  async check(): Promise<void> {
    if (!this.connection.isConnected()) throw new Error('not connected to RabbitMQ');
    const problem = this.runtime.consumer?.problem();
    if (problem) throw new Error(problem);
  }
}

/**
 * RabbitMQ for one service: the connection, the outbox relay, the consumer of its handlers, a
 * readiness check, and shutdown in order. Needs the service's `DataSource` (`DatabaseModule`)
 * with `MESSAGING_ENTITIES` and the messaging migration. Exports `OutboxWriter`.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    const config = options.config ?? loadConfig(MessagingConfig);
    const resolved: ResolvedOptions = {
      serviceName: options.serviceName,
      config,
      relay: options.relay ?? true,
      handlers: options.handlers ?? [],
      routingKeys: options.routingKeys,
    };
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
        OutboxWriter,
        MessagingRuntime,
        RabbitReadinessCheck,
        { provide: READINESS_CHECKS, useExisting: RabbitReadinessCheck },
      ],
      exports: [OutboxWriter, AMQP_CONNECTION, MessagingRuntime],
    };
  }
}
