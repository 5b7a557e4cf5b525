import { ContractViolation, parseEnvelope, type EventEnvelope } from '@ajla/contracts';
import {
  CORRELATION_ID_HEADER,
  TRACEPARENT_HEADER,
  createRequestContext,
  GroupCommit,
  inTraceScope,
  PreparedStatement,
  type RequestContext,
  runWithRequestContext,
} from '@ajla/platform';
import type { ChannelWrapper } from 'amqp-connection-manager';
import type { Channel, ConsumeMessage } from 'amqplib';
import type { DataSource } from 'typeorm';
import type { AmqpConnectionManager } from '../amqp/connection';
import {
  type DeadLetterReason,
  deadLetterCopyOptions,
  headerText,
  retryCopyOptions,
  retryCountOf,
} from '../amqp/message-headers';
import { RoutedCopies } from '../amqp/routed-copies';
import { type ConsumerQueues, checkConsumerTopology, consumerQueues } from '../amqp/topology';
import { DEFAULT_RETRY_DELAYS_MS, parseRetryDelays } from '../config/messaging.config';
import { defaultLogger, type MessagingLogger } from '../logger';
import { endDeliverySpan, startDeliverySpan } from '../observability/message-tracing';
import { messagingTables, type MessagingTables } from '../persistence/messaging-tables';
import { ChannelAcks } from './channel-acks';
import { EventContext } from './event-context';
import { decideAfterFailure } from './retry-policy';

/**
 * Runs an event's effects inside `context.transaction`, the transaction of its inbox row; throws
 * to have it rolled back and retried. `EventTransport` makes one of each `@EventPattern` handler.
 */
export type HandleEvent = (event: EventEnvelope, context: EventContext) => Promise<void>;

export interface EventConsumerOptions {
  dataSource: DataSource;
  connection: AmqpConnectionManager;
  /** Names the queues: `<serviceName>.events`, `.dlq`, `.retry.<delay>`. */
  serviceName: string;
  exchange: string;
  /** One per routing key: its queue is bound to these keys. */
  handlers: ReadonlyMap<string, HandleEvent>;
  /**
   * The service's entry of `EVENT_SUBSCRIPTIONS` (`@ajla/contracts`), which the topology step
   * declares too. The handlers must take exactly these keys (the constructor throws otherwise).
   * Default: the keys of the handlers.
   */
  routingKeys?: readonly string[];
  /** Unacknowledged deliveries at once. Default 32. */
  prefetch?: number;
  /**
   * Events handled in one transaction at most (`CONSUMER_BATCH_SIZE`). Deliveries that arrive
   * while a transaction runs share the next one: one inbox statement and one commit for all of
   * them. Default 32; 1: a transaction per event.
   */
  batchSize?: number;
  /** Back-off per retry. Default 1 s, 5 s, 30 s, 2 min, 10 min. */
  retryDelaysMs?: readonly number[];
  /** A retry or dead-letter copy not confirmed within this time is a failure. Default 5000 ms. */
  publishTimeoutMs?: number;
  /** Pause before giving a message back to its queue when its copy could not be stored. */
  requeueDelayMs?: number;
  logger?: MessagingLogger;
  /**
   * Whether an event can have any effect in this service (`EventFilter`); false: acknowledged at
   * once, without a transaction; a promise holds the event until it settles (rejected: handled).
   * Default: every event is handled.
   */
  handles?: (event: EventEnvelope) => boolean | Promise<boolean>;
  /** Called once per delivery with what became of it (metrics, tests). */
  onSettled?: (outcome: DeliveryOutcome, message: ConsumeMessage) => void;
}

export type DeliveryOutcome =
  /** The handlers ran and committed with the inbox row; acked. */
  | 'handled'
  /** Already in the inbox: acked without a second effect. */
  | 'duplicate'
  /** A handler failed: a copy waits in a retry queue; acked. */
  | 'retried'
  /** Invalid, or failed after its last retry: a copy is in the dead-letter queue; acked. */
  | 'dead-lettered'
  /** A valid event no handler takes (a binding left from an older version): acked. */
  | 'skipped'
  /** A valid event the service's `EventFilter` says can have no effect here: acked, no inbox row. */
  | 'ignored'
  /** Could not store its retry or dead-letter copy: given back to the queue. */
  | 'requeued';

/** A valid event on its way to its handler, with the request context of its delivery. */
interface Delivery {
  event: EventEnvelope;
  message: ConsumeMessage;
  handle: HandleEvent;
  context: RequestContext;
}

/**
 * Consumes the service's queue with manual acks and bounded prefetch. Each delivery runs inside a
 * request context made from its headers (correlation id, traceparent), so every log line carries
 * them. A valid event runs its handlers in one transaction with its inbox row, then is acked; a
 * failing one is retried with back-off through the retry queues, then dead-lettered; an invalid
 * one is dead-lettered at once. Nothing a message does can stop the consumer.
 *
 * Transactions run one at a time, in the order of delivery; the events that arrive meanwhile share
 * the next one (`GroupCommit`), so under load a transaction and its commit serve many events, and
 * an event alone still goes at once. One at a time also keeps handlers that lock (notification-
 * service's recipients) from deadlocking each other within a replica. If a shared transaction
 * fails, its events run again one per transaction, so only the failing one is retried.
 */
export class EventConsumer {
  readonly queues: ConsumerQueues;
  private readonly tables: MessagingTables;
  private readonly handlers: ReadonlyMap<string, HandleEvent>;
  /** Every transaction's first statement, the inbox rows of its events: prepared once per connection. */
  private readonly inboxInsert: PreparedStatement<{ event_id: string }>;
  private readonly transactions: GroupCommit<Delivery, boolean>;
  private readonly retryDelaysMs: readonly number[];
  private readonly logger: MessagingLogger;
  private consumerChannel?: ChannelWrapper;
  private publisher?: ChannelWrapper;
  /** Retry and dead-letter copies, `mandatory`: one the broker cannot route is not lost. */
  private readonly routedCopies = new RoutedCopies();
  /** The acks of the channel that delivers now (tags are per channel). */
  private delivering?: ChannelAcks;
  private topologyError?: string;
  private readonly loggedSetupErrors = new Set<string>();
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private started = false;
  private stopping = false;

  constructor(private readonly options: EventConsumerOptions) {
    this.queues = consumerQueues(options.serviceName);
    this.tables = messagingTables(options.dataSource);
    this.retryDelaysMs = options.retryDelaysMs ?? parseRetryDelays(DEFAULT_RETRY_DELAYS_MS);
    this.logger = options.logger ?? defaultLogger('EventConsumer');
    this.handlers = options.handlers;
    this.inboxInsert = new PreparedStatement(
      'inbox_insert',
      `INSERT INTO ${this.tables.inbox} (event_id, routing_key)
       SELECT * FROM unnest($1::uuid[], $2::text[])
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    );
    this.transactions = new GroupCommit((batch) => this.applyBatch(batch), {
      concurrency: 1,
      maxBatchSize: options.batchSize ?? 32,
    });
    if (options.routingKeys) assertSameKeys(options.routingKeys, this.routingKeys);
  }

  get routingKeys(): string[] {
    return [...this.handlers.keys()];
  }

  /**
   * Checks the topology and starts consuming as soon as the broker is there (now, or when it
   * comes); does not wait for it. Again after every reconnection.
   */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const { connection } = this.options;
    const topology = {
      exchange: this.options.exchange,
      serviceName: this.options.serviceName,
      routingKeys: this.routingKeys,
      retryDelaysMs: this.retryDelaysMs,
    };
    this.publisher = connection.createChannel({
      name: `${this.options.serviceName}-retries`,
      confirm: true,
      publishTimeout: this.options.publishTimeoutMs ?? 5_000,
      // Checked here too: a copy sent to a queue that does not exist would vanish (and a copy that
      // no binding routes fails its publish: `RoutedCopies`).
      setup: (channel: Channel) => {
        this.routedCopies.watch(channel);
        return checkConsumerTopology(channel, topology);
      },
    });
    this.consumerChannel = connection.createChannel({
      name: `${this.options.serviceName}-consumer`,
      confirm: false,
      setup: async (channel: Channel) => {
        try {
          // The prefetch here, awaited, rather than as `consume`'s option: amqp-connection-manager
          // sends that one without waiting for it, and a channel closed before the broker's answer
          // (a stop right after a start) rejects it where no one listens.
          await channel.prefetch(this.options.prefetch ?? 32);
          await checkConsumerTopology(channel, topology);
          this.topologyError = undefined;
          this.loggedSetupErrors.clear();
          this.delivering = new ChannelAcks(channel);
        } catch (error) {
          this.topologyError = error instanceof Error ? error.message : String(error);
          throw error;
        }
      },
    });
    for (const channel of [this.publisher, this.consumerChannel]) {
      channel.on('error', (error: Error) => {
        // The connection starts over after such an error, and fails again: say it once. (The
        // other channel's setup, cut short by the same error, adds nothing.)
        if (this.loggedSetupErrors.has(error.message) || /^Channel ended/.test(error.message)) {
          return;
        }
        this.loggedSetupErrors.add(error.message);
        this.logger.error(`Cannot declare the queues of ${this.queues.main}: ${error.message}`);
      });
    }
    connection.on('disconnect', this.onDisconnect);
    await this.consumerChannel.consume(this.queues.main, (message) => this.onDelivery(message), {
      noAck: false,
    });
  }

  /** Stops taking deliveries, lets the ones in hand finish (and ack), then closes its channels. */
  async stop(): Promise<void> {
    if (!this.started || this.stopping) return;
    this.stopping = true;
    await this.consumerChannel?.cancelAll().catch(() => undefined);
    await this.whenIdle();
    this.delivering?.flush();
    this.options.connection.removeListener('disconnect', this.onDisconnect);
    await this.consumerChannel?.close().catch(() => undefined);
    await this.publisher?.close().catch(() => undefined);
    this.delivering = undefined;
  }

  /** Null when consuming; otherwise why not (readiness). */
  problem(): string | null {
    if (!this.started) return 'not started';
    if (this.stopping) return 'stopping';
    if (this.topologyError) return `queues not declared: ${this.topologyError}`;
    if (!this.options.connection.isConnected()) return 'not connected to RabbitMQ';
    if (!this.delivering) return 'not consuming yet';
    return null;
  }

  /** Resolves once it consumes (tests, start-up checks); rejects after `timeoutMs`. */
  async whenConsuming(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.problem() !== null) {
      if (Date.now() > deadline)
        throw new Error(`not consuming within ${timeoutMs} ms: ${this.problem()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Deliveries being handled right now. */
  get inProgress(): number {
    return this.inFlight;
  }

  /** The confirm channel for retry and dead-letter copies. */
  private get copies(): ChannelWrapper {
    if (!this.publisher) throw new Error('the consumer is not started');
    return this.publisher;
  }

  private readonly onDisconnect = () => {
    this.delivering = undefined;
  };

  private whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private onDelivery(message: ConsumeMessage): void {
    // Acks must go to the channel that delivered: after a reconnection, its delivery tags mean
    // nothing on the new one (and the broker has already given the message back).
    const channel = this.delivering;
    channel?.delivered(message);
    this.inFlight += 1;
    this.process(message, channel)
      .then((outcome) => this.options.onSettled?.(outcome, message))
      .catch((error: unknown) => {
        this.logger.error(
          `Unexpected failure with message ${message.properties.messageId ?? '(no id)'}: ${String(error)}`,
          error instanceof Error ? error.stack : undefined,
        );
      })
      .finally(() => {
        this.inFlight -= 1;
        if (this.inFlight === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
  }

  private async process(
    message: ConsumeMessage,
    channel: ChannelAcks | undefined,
  ): Promise<DeliveryOutcome> {
    let raw: unknown;
    let malformed: unknown;
    try {
      raw = JSON.parse(message.content.toString('utf8'));
    } catch (error) {
      malformed = error;
    }
    const span = startDeliverySpan(message, this.queues.main);
    const incoming = {
      correlationId: headerText(message, CORRELATION_ID_HEADER) ?? correlationIdOf(raw),
      traceparent: headerText(message, TRACEPARENT_HEADER),
    };
    if (span === undefined) {
      return this.processInContext(
        message,
        channel,
        raw,
        malformed,
        createRequestContext(incoming),
      );
    }
    // The request context takes the delivery span's ids, and enters it wherever it runs.
    const context = inTraceScope(span, () => createRequestContext(incoming));
    try {
      const outcome = await this.processInContext(message, channel, raw, malformed, context);
      endDeliverySpan(span, outcome);
      return outcome;
    } catch (error) {
      endDeliverySpan(span, undefined, error);
      throw error;
    }
  }

  private processInContext(
    message: ConsumeMessage,
    channel: ChannelAcks | undefined,
    raw: unknown,
    malformed: unknown,
    context: RequestContext,
  ): Promise<DeliveryOutcome> {
    return runWithRequestContext(context, async () => {
      if (malformed !== undefined) {
        return this.deadLetter(message, channel, 'malformed_json', malformed);
      }
      let event: EventEnvelope;
      try {
        event = parseEnvelope(raw);
      } catch (error) {
        if (!(error instanceof ContractViolation)) throw error;
        return this.deadLetter(message, channel, 'contract_violation', error);
      }
      const handle = this.handlers.get(event.type);
      if (handle === undefined) {
        this.logger.warn(
          `No handler for ${event.type} (event ${event.id}) in ${this.queues.main}: acknowledged`,
        );
        ack(channel, message);
        return 'skipped';
      }
      const handled = this.handles(event);
      if (!(typeof handled === 'boolean' ? handled : await handled)) {
        ack(channel, message);
        return 'ignored';
      }
      let applied: boolean;
      try {
        applied = await this.transactions.submit({ event, message, handle, context });
      } catch (error) {
        return this.retryOrDeadLetter(message, channel, event, error);
      }
      ack(channel, message);
      return applied ? 'handled' : 'duplicate';
    });
  }

  /** The service's `EventFilter` answer; a filter that throws or rejects keeps the event. */
  private handles(event: EventEnvelope): boolean | Promise<boolean> {
    if (this.options.handles === undefined) return true;
    try {
      const answer = this.options.handles(event);
      return typeof answer === 'boolean' ? answer : answer.catch(() => true);
    } catch {
      return true;
    }
  }

  /** Each event's outcome: whether it was applied (false: a duplicate), or why it failed. */
  private async applyBatch(batch: Delivery[]): Promise<PromiseSettledResult<boolean>[]> {
    if (batch.length > 1) {
      try {
        const applied = await this.apply(batch);
        return applied.map((value) => ({ status: 'fulfilled', value }));
      } catch (error) {
        this.logger.debug?.(
          `A transaction of ${batch.length} events failed (${describe(error)}): each again alone`,
        );
      }
    }
    const outcomes: PromiseSettledResult<boolean>[] = [];
    for (const delivery of batch) {
      try {
        const [applied] = await this.apply([delivery]);
        outcomes.push({ status: 'fulfilled', value: applied });
      } catch (reason) {
        outcomes.push({ status: 'rejected', reason });
      }
    }
    return outcomes;
  }

  /**
   * The events' inbox rows and their handlers' effects, in one transaction, in order; per event,
   * false for a duplicate (already in the inbox, or earlier in the same batch). Each handler and
   * its after-commit effects run in the request context of their own delivery.
   */
  private async apply(batch: Delivery[]): Promise<boolean[]> {
    const afterCommit: { delivery: Delivery; effects: Array<() => void> }[] = [];
    const applied = await this.options.dataSource.transaction(async (tx) => {
      const inserted = await this.inboxInsert.run(tx, [
        batch.map((delivery) => delivery.event.id),
        batch.map((delivery) => delivery.event.type),
      ]);
      const fresh = new Set(inserted.map((row) => row.event_id));
      const outcomes: boolean[] = [];
      for (const delivery of batch) {
        // Postgres gives uuids in lower case; `delete`: the first of two copies only.
        if (!fresh.delete(delivery.event.id.toLowerCase())) {
          outcomes.push(false);
          continue;
        }
        const effects: Array<() => void> = [];
        afterCommit.push({ delivery, effects });
        await runWithRequestContext(delivery.context, () =>
          delivery.handle(delivery.event, new EventContext([tx, delivery.message, effects])),
        );
        outcomes.push(true);
      }
      return outcomes;
    });
    for (const { delivery, effects } of afterCommit) {
      runWithRequestContext(delivery.context, () => this.runEffects(delivery.event, effects));
    }
    return applied;
  }

  private runEffects(event: EventEnvelope, effects: Array<() => void>): void {
    for (const effect of effects) {
      try {
        effect();
      } catch (error) {
        // Committed is committed: the event is handled; only the effect is lost.
        this.logger.error(
          `${event.type} ${event.id}: an after-commit effect failed: ${describe(error)}`,
        );
      }
    }
  }

  private async retryOrDeadLetter(
    message: ConsumeMessage,
    channel: ChannelAcks | undefined,
    event: EventEnvelope,
    error: unknown,
  ): Promise<DeliveryOutcome> {
    const decision = decideAfterFailure(retryCountOf(message), this.retryDelaysMs);
    if (decision.kind === 'dead-letter') {
      return this.deadLetter(message, channel, 'handler_failed', error);
    }
    try {
      await this.routedCopies.publish(
        this.copies,
        this.queues.copies,
        this.queues.retry(decision.delayMs),
        message.content,
        retryCopyOptions(message, decision.retryCount, error),
      );
    } catch (publishError) {
      return this.giveBack(message, channel, publishError);
    }
    ack(channel, message);
    this.logger.warn(
      `${event.type} ${event.id} failed (${describe(error)}); retry ${decision.retryCount} of ${this.retryDelaysMs.length} in ${decision.delayMs} ms`,
    );
    return 'retried';
  }

  private async deadLetter(
    message: ConsumeMessage,
    channel: ChannelAcks | undefined,
    reason: DeadLetterReason,
    error: unknown,
  ): Promise<DeliveryOutcome> {
    try {
      await this.routedCopies.publish(
        this.copies,
        this.queues.copies,
        this.queues.deadLetter,
        message.content,
        deadLetterCopyOptions(message, reason, error, this.options.serviceName),
      );
    } catch (publishError) {
      return this.giveBack(message, channel, publishError);
    }
    ack(channel, message);
    this.logger.error(
      `Message ${message.properties.messageId ?? '(no id)'} moved to ${this.queues.deadLetter} (${reason}): ${describe(error)}`,
    );
    return 'dead-lettered';
  }

  /** Its copy could not be stored: the broker keeps the original (after a pause, not hot-looping). */
  private async giveBack(
    message: ConsumeMessage,
    channel: ChannelAcks | undefined,
    error: unknown,
  ): Promise<DeliveryOutcome> {
    this.logger.warn(
      `Cannot store the retry copy of ${message.properties.messageId ?? '(no id)'} (${describe(error)}); giving it back to the queue`,
    );
    if (!this.stopping) {
      await new Promise((resolve) => setTimeout(resolve, this.options.requeueDelayMs ?? 1000));
    }
    channel?.nack(message, true);
    return 'requeued';
  }
}

function ack(channel: ChannelAcks | undefined, message: ConsumeMessage): void {
  // Without a channel (gone since the delivery) the broker redelivers it; the inbox dedupes.
  channel?.ack(message);
}

function correlationIdOf(raw: unknown): unknown {
  return typeof raw === 'object' && raw !== null
    ? (raw as { correlation_id?: unknown }).correlation_id
    : undefined;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A key bound but handled by no one would be acked unhandled; one handled but not bound never comes. */
function assertSameKeys(subscribed: readonly string[], handled: readonly string[]): void {
  const unhandled = subscribed.filter((key) => !handled.includes(key));
  const unbound = handled.filter((key) => !subscribed.includes(key));
  const problems = [
    ...(unhandled.length > 0 ? [`no handler takes ${unhandled.join(', ')}`] : []),
    ...(unbound.length > 0 ? [`not in its subscriptions: ${unbound.join(', ')}`] : []),
  ];
  if (problems.length > 0) {
    throw new Error(
      `The handlers do not match the service's EVENT_SUBSCRIPTIONS (@ajla/contracts): ${problems.join('; ')}`,
    );
  }
}
