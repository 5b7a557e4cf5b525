import { Controller, Module, type DynamicModule } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventEnvelope, RoutingKey } from '@ajla/contracts';
import {
  BaseServiceConfig,
  DatabaseModule,
  PlatformModule,
  createRequestContext,
  createServiceApp,
  currentRequestContext,
  loadConfig,
  runWithRequestContext,
  withDatabaseConfig,
} from '@ajla/platform';
import { ConflictError } from '@ajla/shared-kernel';
import type { Message } from 'amqplib';
import { DataSource, type EntityManager } from 'typeorm';
import {
  CreateEffects1763900000001,
  RABBITMQ_URL,
  SCHEMA,
  aSubmittedEvent,
  declareTopologyOf,
  testBed,
  waitFor,
  type TestBed,
} from '../test/harness';
import { withMessagingConfig } from './config/messaging.config';
import { LAST_ERROR_HEADER, RETRY_COUNT_HEADER } from './amqp/message-headers';
import type { EventContext } from './consumer/event-context';
import { MessagingModule } from './messaging.module';
import { OutboxWriter } from './outbox/outbox-writer';
import { CreateMessagingTables1763900000000 } from './persistence/1763900000000-create-messaging-tables';
import { MESSAGING_ENTITIES } from './persistence/messaging.entities';

jest.setTimeout(30_000);

class ServiceConfig extends withMessagingConfig(withDatabaseConfig(BaseServiceConfig)) {}

/** The service's consumer, as services write theirs: an @EventPattern method of a controller. */
@Controller()
class SubmissionEvents {
  readonly correlationIds: (string | undefined)[] = [];
  /** Events whose handling throws, every time. */
  readonly failing = new Set<string>();
  /** Events whose handling waits for this before it returns. */
  readonly held = new Map<string, Promise<void>>();
  readonly started: string[] = [];

  @EventPattern<RoutingKey>('request.submitted')
  async onSubmitted(
    @Payload() event: EventEnvelope<'request.submitted'>,
    @Ctx() context: EventContext,
  ): Promise<void> {
    this.started.push(event.id);
    this.correlationIds.push(currentRequestContext()?.correlationId);
    await context.transaction.query(
      `INSERT INTO ${SCHEMA}.effects (event_id, routing_key) VALUES ($1, $2)`,
      [event.id, event.type],
    );
    await this.held.get(event.id);
    // A domain error, which the HTTP filter would answer with a 409: here it must come back to
    // the transport as it is.
    if (this.failing.has(event.id)) throw new ConflictError(`cannot take ${event.id} yet`);
  }
}

@Module({})
class ServiceModule {
  static forRoot(
    config: ServiceConfig,
    serviceName: string,
    subscriptions: readonly RoutingKey[] = ['request.submitted'],
  ): DynamicModule {
    return {
      module: ServiceModule,
      imports: [
        PlatformModule.forRoot({ serviceName, logLevel: 'silent' }),
        DatabaseModule.forRoot({
          schema: SCHEMA,
          entities: MESSAGING_ENTITIES,
          migrations: [CreateMessagingTables1763900000000, CreateEffects1763900000001],
          config,
        }),
        MessagingModule.forRoot({ serviceName, config, subscriptions }),
      ],
      controllers: [SubmissionEvents],
    };
  }
}

describe('MessagingModule in a service (real Postgres and RabbitMQ)', () => {
  let bed: TestBed;
  let app: NestFastifyApplication | undefined;
  let baseUrl: string;
  let config: ServiceConfig;

  beforeAll(async () => {
    bed = await testBed('module');
    config = loadConfig(ServiceConfig, {
      NODE_ENV: 'test',
      PORT: '1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: bed.database.url,
      RABBITMQ_URL,
      EVENTS_EXCHANGE: bed.exchange,
      CONSUMER_RETRY_DELAYS_MS: '100',
    });
    // The topology step's part, before the service starts.
    await declareTopologyOf({
      exchange: bed.exchange,
      serviceName: bed.serviceName,
      routingKeys: ['request.submitted'],
      retryDelaysMs: [100],
    });
    app = await createServiceApp(ServiceModule.forRoot(config, bed.serviceName), {
      serviceName: bed.serviceName,
      config,
    });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await app?.close();
    await bed?.close([100]);
  });

  it('reports RabbitMQ in readiness once it consumes', async () => {
    const body = await waitFor(async () => {
      const res = await fetch(`${baseUrl}/health/ready`);
      const json = (await res.json()) as {
        status: string;
        checks: Record<string, { status?: string }>;
      };
      return res.status === 200 && json.checks.rabbitmq?.status === 'ok' && json;
    });
    expect(body.checks).toMatchObject({ rabbitmq: { status: 'ok' }, postgres: { status: 'ok' } });
  });

  it('relays what OutboxWriter writes, and hands it to the service handler with its correlation id', async () => {
    const tap = await bed.tap('request.*');
    const writer = app!.get(OutboxWriter);
    const dataSource = app!.get(DataSource);
    const event = aSubmittedEvent('corr-module-1');
    await runWithRequestContext(createRequestContext({ correlationId: 'corr-module-1' }), () =>
      dataSource.transaction((manager: EntityManager) => writer.append(manager, [event])),
    );
    await waitFor(async () => (await bed.effects()).length === 1);
    expect(tap.ids()).toEqual([event.id]);
    expect(app!.get(SubmissionEvents).correlationIds).toEqual(['corr-module-1']);
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /^ajla_events_published_total\{type="request.submitted",service="[^"]+"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^ajla_events_consumed_total\{type="request.submitted",outcome="handled",service="[^"]+"\} 1$/m,
    );
  });

  /** Publishes like the relay does. */
  function publish(event: EventEnvelope): void {
    bed.channel.publish(bed.exchange, event.type, Buffer.from(JSON.stringify(event)), {
      persistent: true,
      messageId: event.id,
      type: event.type,
      contentType: 'application/json',
    });
  }

  const effectsOf = async (id: string) =>
    (await bed.effects()).filter((effect) => effect.event_id === id).length;

  it("commits the handler's effects with the inbox row: a redelivery has no second effect", async () => {
    const handler = app!.get(SubmissionEvents);
    const event = aSubmittedEvent();
    publish(event);
    await waitFor(async () => (await effectsOf(event.id)) === 1);
    publish(event);
    await waitFor(
      async () =>
        (
          await bed.dataSource.query(`SELECT 1 FROM ${SCHEMA}.inbox_messages WHERE event_id = $1`, [
            event.id,
          ])
        ).length === 1 &&
        /outcome="duplicate",service="[^"]+"\} 1$/m.test(
          await (await fetch(`${baseUrl}/metrics`)).text(),
        ),
    );
    expect(await effectsOf(event.id)).toBe(1);
    expect(handler.started.filter((id) => id === event.id)).toHaveLength(1);
  });

  it('rolls back a handler that throws, retries it, then dead-letters it with its own error (no Nest filter swallows it)', async () => {
    const handler = app!.get(SubmissionEvents);
    const event = aSubmittedEvent();
    handler.failing.add(event.id);
    publish(event);
    const parked: Message[] = [];
    await waitFor(async () => {
      parked.push(...(await bed.drain(`${bed.serviceName}.events.dlq`)));
      return parked.length === 1;
    });
    // The first attempt and the one retry (CONSUMER_RETRY_DELAYS_MS has one delay).
    expect(handler.started.filter((id) => id === event.id)).toHaveLength(2);
    expect(parked[0].properties.messageId).toBe(event.id);
    expect(parked[0].properties.headers?.[LAST_ERROR_HEADER]).toBe(
      `ConflictError: cannot take ${event.id} yet`,
    );
    expect(parked[0].properties.headers?.[RETRY_COUNT_HEADER]).toBe(1);
    // Each attempt inserted its effect, and each was rolled back; nothing says "handled".
    expect(await effectsOf(event.id)).toBe(0);
    const inbox = await bed.dataSource.query(
      `SELECT 1 FROM ${SCHEMA}.inbox_messages WHERE event_id = $1`,
      [event.id],
    );
    expect(inbox).toHaveLength(0);
  });

  it('refuses to start when its @EventPattern handlers do not match its subscriptions', async () => {
    const mismatched = await createServiceApp(
      ServiceModule.forRoot(config, bed.serviceName, ['request.submitted', 'user.updated']),
      { serviceName: bed.serviceName, config },
    );
    try {
      await mismatched.init();
      await expect(mismatched.startAllMicroservices()).rejects.toThrow(
        'no handler takes user.updated',
      );
    } finally {
      await mismatched.close();
    }
  });

  it('shuts down cleanly: the handler in progress finishes and commits, then the rest stops', async () => {
    const handler = app!.get(SubmissionEvents);
    const event = aSubmittedEvent();
    let release!: () => void;
    handler.held.set(event.id, new Promise<void>((resolve) => (release = resolve)));
    publish(event);
    await waitFor(() => handler.started.includes(event.id));
    const closing = app!;
    app = undefined;
    const closed = closing.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    await closed;
    // Postgres was still open for its commit, and its ack went out before the channel closed.
    expect(await effectsOf(event.id)).toBe(1);
    const queue = await bed.channel.checkQueue(`${bed.serviceName}.events`);
    expect(queue).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });
});
