// A RabbitMQ outage for the services under test only: their connections go through a proxy that
// the test cuts (the machine's broker keeps running, so this runs beside other suites).
import { Controller, Module, type DynamicModule } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventEnvelope, RoutingKey } from '@ajla/contracts';
import {
  BaseServiceConfig,
  DatabaseModule,
  PlatformModule,
  createServiceApp,
  loadConfig,
  withDatabaseConfig,
} from '@ajla/platform';
// Test-only dependency on the test helpers (the boundary rule does not tell spec files apart).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { tcpProxy, type TcpProxy } from '@ajla/testing';
import { DataSource, type EntityManager } from 'typeorm';
import {
  CreateEffects1763900000001,
  RABBITMQ_URL,
  SCHEMA,
  aSubmittedEvent,
  testBed,
  uniqueName,
  waitFor,
  type TestBed,
} from '../test/harness';
import { declareEventTopology } from './amqp/topology';
import { withMessagingConfig } from './config/messaging.config';
import type { EventContext } from './consumer/event-context';
import { MessagingModule } from './messaging.module';
import { OutboxWriter } from './outbox/outbox-writer';
import { CreateMessagingTables1763900000000 } from './persistence/1763900000000-create-messaging-tables';
import { MESSAGING_ENTITIES } from './persistence/messaging.entities';

jest.setTimeout(60_000);

class ServiceConfig extends withMessagingConfig(withDatabaseConfig(BaseServiceConfig)) {}

@Controller()
class SubmissionEvents {
  @EventPattern<RoutingKey>('request.submitted')
  async onSubmitted(
    @Payload() event: EventEnvelope<'request.submitted'>,
    @Ctx() context: EventContext,
  ): Promise<void> {
    await context.transaction.query(
      `INSERT INTO ${SCHEMA}.effects (event_id, routing_key) VALUES ($1, $2)`,
      [event.id, event.type],
    );
  }
}

@Module({})
class ServiceModule {
  static forRoot(config: ServiceConfig, serviceName: string, consumes: boolean): DynamicModule {
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
        consumes
          ? MessagingModule.forRoot({
              serviceName,
              config,
              relay: false,
              subscriptions: ['request.submitted'],
            })
          : MessagingModule.forRoot({ serviceName, config }),
      ],
      controllers: consumes ? [SubmissionEvents] : [],
    };
  }
}

interface Readiness {
  code: number;
  body: { status: string; checks: Record<string, { status: string; error?: string }> };
}

async function readiness(app: NestFastifyApplication): Promise<Readiness> {
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
  return { code: res.status, body: (await res.json()) as Readiness['body'] };
}

describe('a RabbitMQ outage (real Postgres and RabbitMQ, connections through a proxy)', () => {
  let bed: TestBed;
  let proxy: TcpProxy;
  let producer: NestFastifyApplication | undefined;
  let consumer: NestFastifyApplication | undefined;

  beforeAll(async () => {
    bed = await testBed('outage');
    proxy = await tcpProxy(RABBITMQ_URL);
    await declareEventTopology(bed.channel, {
      exchange: bed.exchange,
      retryDelaysMs: [100],
      subscriptions: { [bed.serviceName]: ['request.submitted'] },
    });
    const config = loadConfig(ServiceConfig, {
      NODE_ENV: 'test',
      PORT: '1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: bed.database.url,
      RABBITMQ_URL: proxy.url,
      EVENTS_EXCHANGE: bed.exchange,
      CONSUMER_RETRY_DELAYS_MS: '100',
      OUTBOX_POLL_INTERVAL_MS: '100',
    });
    const startApp = async (serviceName: string, consumes: boolean) => {
      const app = await createServiceApp(ServiceModule.forRoot(config, serviceName, consumes), {
        serviceName,
        config,
      });
      await app.startAllMicroservices();
      await app.listen(0, '127.0.0.1');
      return app;
    };
    producer = await startApp(uniqueName('t-producer'), false);
    consumer = await startApp(bed.serviceName, true);
    for (const app of [producer, consumer]) {
      await waitFor(async () => (await readiness(app)).body.status === 'ok');
    }
  });

  afterAll(async () => {
    proxy?.restore();
    await producer?.close();
    await consumer?.close();
    await proxy?.close();
    await bed?.close([100]);
  });

  it('leaves producer and consumer ready (RabbitMQ degraded), keeps the events in the outbox, and delivers them once the broker is back', async () => {
    proxy.cut();
    for (const app of [producer!, consumer!]) {
      const report = await waitFor(async () => {
        const state = await readiness(app);
        return state.body.checks.rabbitmq?.status === 'degraded' && state;
      });
      // Ready: still answers its API; the broker is reported, not fatal.
      expect(report.code).toBe(200);
      expect(report.body.status).toBe('degraded');
      expect(report.body.checks.postgres).toEqual({ status: 'ok' });
    }

    // A request handled while the broker is away: its event waits in the outbox.
    const event = aSubmittedEvent();
    const writer = producer!.get(OutboxWriter);
    await producer!
      .get(DataSource)
      .transaction((manager: EntityManager) => writer.append(manager, [event]));
    const unsent = async () =>
      Number(
        (
          await bed.dataSource.query(
            `SELECT count(*) AS n FROM ${SCHEMA}.outbox_messages WHERE published_at IS NULL AND id = $1`,
            [event.id],
          )
        )[0].n,
      );
    expect(await unsent()).toBe(1);
    expect((await readiness(producer!)).code).toBe(200);
    expect(await bed.effects()).toEqual([]);

    proxy.restore();
    // The producer publishes it, the consumer consumes again: it is handled, once.
    await waitFor(async () => (await bed.effects()).length === 1, 30_000, 100);
    expect((await bed.effects()).map((effect) => effect.event_id)).toEqual([event.id]);
    expect(await unsent()).toBe(0);
    for (const app of [producer!, consumer!]) {
      await waitFor(async () => (await readiness(app)).body.status === 'ok', 30_000);
    }
  });
});
