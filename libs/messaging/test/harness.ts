// Shared set-up of the messaging integration and fault tests: a fresh database with the outbox and
// inbox, an exchange and queue names of the test's own, and a raw amqplib connection to look at
// what the broker holds. Everything is removed afterwards.
import { randomBytes } from 'node:crypto';
import { createEnvelope, type EventEnvelope, type RoutingKey } from '@ajla/contracts';
import { newId } from '@ajla/shared-kernel';
import { createDataSource, currentRequestContext, type ServiceDataSource } from '@ajla/platform';
// Test-only dependency on the test helpers (the boundary rule does not tell test files apart).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { createTestDatabase, waitFor, type TestDatabase } from '@ajla/testing';
import amqplib, {
  type Channel,
  type ChannelModel,
  type ConsumeMessage,
  type Message,
} from 'amqplib';
import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import {
  CreateMessagingTables1763900000000,
  MESSAGING_ENTITIES,
  OutboxWriter,
  consumerQueues,
  createAmqpConnection,
  declareConsumerTopology,
  silentLogger,
  type AmqpConnectionManager,
  type EventContext,
  EventTransport,
  type EventTransportOptions,
} from '../src/index';

export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const SCHEMA = 'messaging_test';

/** What a test handler does to the database: one row per application of an event. */
export class CreateEffects1763900000001 implements MigrationInterface {
  name = 'CreateEffects1763900000001';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE ${SCHEMA}.effects (n bigserial PRIMARY KEY, event_id uuid NOT NULL, routing_key text NOT NULL)`,
    );
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${SCHEMA}.effects`);
  }
}

export interface Tap {
  messages: ConsumeMessage[];
  ids(): string[];
}

export interface TestBed {
  database: TestDatabase;
  dataSource: ServiceDataSource;
  exchange: string;
  serviceName: string;
  /** The connection relays and consumers under test use. */
  connection: AmqpConnectionManager;
  /** A plain amqplib connection for looking at queues. */
  broker: ChannelModel;
  channel: Channel;
  writer: OutboxWriter;
  /** A queue of the test's own bound to the exchange, collecting every message it gets. */
  tap(pattern?: string): Promise<Tap>;
  /** Commits `envelopes` to the outbox in one transaction (nothing else). */
  commitEvents(envelopes: EventEnvelope[]): Promise<void>;
  effects(): Promise<{ event_id: string; routing_key: string }[]>;
  /** Messages waiting in a queue, taken off it. */
  drain(queue: string): Promise<Message[]>;
  close(retryDelaysMs?: readonly number[]): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function testBed(label: string): Promise<TestBed> {
  const database = await createTestDatabase(`messaging_${label}`);
  const dataSource = createDataSource({
    url: database.url,
    schema: SCHEMA,
    entities: MESSAGING_ENTITIES,
    migrations: [CreateMessagingTables1763900000000, CreateEffects1763900000001],
    poolSize: 20,
  });
  await dataSource.initialize();
  await dataSource.runMigrations();

  const exchange = uniqueName('ajla_t.events');
  const serviceName = uniqueName('t-svc');
  const connection = createAmqpConnection({
    url: RABBITMQ_URL,
    name: `test ${label}`,
    logger: silentLogger,
    reconnectDelayMs: 200,
  });
  const broker = await amqplib.connect(RABBITMQ_URL);
  // A broker restart (fault tests) closes it: that must not be an unhandled 'error'.
  broker.on('error', () => undefined);
  const channel = await broker.createChannel();
  channel.on('error', () => undefined);
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const writer = new OutboxWriter();
  const taps: string[] = [];

  return {
    database,
    dataSource,
    exchange,
    serviceName,
    connection,
    broker,
    channel,
    writer,
    async tap(pattern = '#') {
      const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
      taps.push(queue);
      await channel.bindQueue(queue, exchange, pattern);
      const messages: ConsumeMessage[] = [];
      await channel.consume(queue, (message) => message && messages.push(message), { noAck: true });
      return { messages, ids: () => messages.map((m) => String(m.properties.messageId)) };
    },
    async commitEvents(envelopes) {
      await dataSource.transaction((manager: EntityManager) => writer.append(manager, envelopes));
    },
    effects: () =>
      dataSource.query(`SELECT event_id, routing_key FROM ${SCHEMA}.effects ORDER BY n`),
    async drain(queue) {
      const taken: Message[] = [];
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (message === false) return taken;
        taken.push(message);
      }
    },
    async close(retryDelaysMs = []) {
      await connection.close().catch(() => undefined);
      await broker.close().catch(() => undefined);
      // A connection of its own: the test's may have been closed by a broker restart.
      const cleanup = await amqplib.connect(RABBITMQ_URL);
      cleanup.on('error', () => undefined);
      const cleaner = await cleanup.createChannel();
      const queues = consumerQueues(serviceName);
      for (const queue of [queues.main, queues.deadLetter, ...retryDelaysMs.map(queues.retry)]) {
        await cleaner.deleteQueue(queue);
      }
      await cleaner.deleteExchange(queues.copies);
      await cleaner.deleteExchange(exchange);
      await cleanup.close();
      await dataSource.destroy().catch(() => undefined);
      await database.drop();
    },
  };
}

let counter = 0;

/** A valid `request.submitted` envelope with fresh ids. */
export function aSubmittedEvent(
  correlationId: string | null = null,
): EventEnvelope<'request.submitted'> {
  counter += 1;
  return createEnvelope(
    'request.submitted',
    {
      request_id: newId(),
      user_id: newId(),
      type: 'travel',
      description: `Trip #${counter} to Petra 🏜️ — رحلة`,
      status: 'new',
      conversation_id: newId(),
      created_at: new Date().toISOString(),
    },
    { producer: 'test-producer', correlationId },
  );
}

/**
 * A consumer the way a service runs one: an `EventTransport` with `handlers` registered as Nest
 * registers `@EventPattern` methods (`addHandler(key, handler, true)`), not listening yet.
 */
export function eventTransport(
  options: EventTransportOptions & { handlers: readonly RecordingHandler[] },
): EventTransport {
  const { handlers, ...transportOptions } = options;
  const transport = new EventTransport(transportOptions);
  topologies.set(transport, {
    exchange: options.exchange,
    serviceName: options.serviceName,
    routingKeys: [...new Set(handlers.flatMap((handler) => handler.routingKeys))],
    retryDelaysMs: options.retryDelaysMs ?? [],
  });
  for (const handler of handlers) {
    for (const key of handler.routingKeys) {
      transport.addHandler(
        key,
        (event: EventEnvelope, context: EventContext) => handler.handle(event, context),
        true,
      );
    }
  }
  return transport;
}

/** What `listen` declares for a transport, as the topology step would for a service. */
const topologies = new WeakMap<EventTransport, Parameters<typeof declareConsumerTopology>[1]>();

/** Declares a consumer's exchange and queues as the topology step does (once per test run). */
export async function declareTopologyOf(
  topology: Parameters<typeof declareConsumerTopology>[1],
): Promise<void> {
  const broker = await amqplib.connect(RABBITMQ_URL);
  try {
    await declareConsumerTopology(await broker.createChannel(), topology);
  } finally {
    await broker.close();
  }
}

/**
 * `transport.listen` as `app.startAllMicroservices()` calls it, after the topology step has
 * declared the consumer's queues (a service only checks them): rejects with its error.
 */
export async function listen(transport: EventTransport): Promise<void> {
  const topology = topologies.get(transport);
  if (topology) await declareTopologyOf(topology);
  return new Promise((resolve, reject) =>
    transport.listen((error?: unknown) => (error ? reject(error) : resolve())),
  );
}

/** A handler that records one effect row per application, then does what it is told. */
export class RecordingHandler {
  readonly calls: { id: string; at: number; correlationId?: string }[] = [];

  constructor(
    readonly routingKeys: readonly RoutingKey[] = ['request.submitted'],
    private readonly then: (
      event: EventEnvelope,
      attempt: number,
      context: EventContext,
    ) => void | Promise<void> = () => undefined,
  ) {}

  async handle(event: EventEnvelope, context: EventContext): Promise<void> {
    const tx = context.transaction;
    this.calls.push({
      id: event.id,
      at: Date.now(),
      correlationId: currentRequestContext()?.correlationId,
    });
    await tx.query(`INSERT INTO ${SCHEMA}.effects (event_id, routing_key) VALUES ($1, $2)`, [
      event.id,
      event.type,
    ]);
    const attempt = this.calls.filter((call) => call.id === event.id).length;
    await this.then(event, attempt, context);
  }
}

export { waitFor };
