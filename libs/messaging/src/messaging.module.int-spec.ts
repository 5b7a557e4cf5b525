import { Injectable, Module, type DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventEnvelope } from '@ajla/contracts';
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
import { DataSource, type EntityManager } from 'typeorm';
import {
  CreateEffects1763900000001,
  RABBITMQ_URL,
  SCHEMA,
  aSubmittedEvent,
  testBed,
  waitFor,
  type TestBed,
} from '../test/harness';
import { withMessagingConfig } from './config/messaging.config';
import type { EventHandler } from './consumer/event-handler';
import { MessagingModule } from './messaging.module';
import { OutboxWriter } from './outbox/outbox-writer';
import { CreateMessagingTables1763900000000 } from './persistence/1763900000000-create-messaging-tables';
import { MESSAGING_ENTITIES } from './persistence/messaging.entities';

jest.setTimeout(30_000);

class ServiceConfig extends withMessagingConfig(withDatabaseConfig(BaseServiceConfig)) {}

@Injectable()
class NoteSubmission implements EventHandler<'request.submitted'> {
  readonly routingKeys = ['request.submitted'] as const;
  readonly correlationIds: (string | undefined)[] = [];

  async handle(event: EventEnvelope<'request.submitted'>, tx: EntityManager): Promise<void> {
    this.correlationIds.push(currentRequestContext()?.correlationId);
    await tx.query(`INSERT INTO ${SCHEMA}.effects (event_id, routing_key) VALUES ($1, $2)`, [
      event.id,
      event.type,
    ]);
  }
}

@Module({})
class ServiceModule {
  static forRoot(config: ServiceConfig, serviceName: string): DynamicModule {
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
        MessagingModule.forRoot({ serviceName, config, handlers: [NoteSubmission] }),
      ],
      providers: [NoteSubmission],
    };
  }
}

describe('MessagingModule in a service (real Postgres and RabbitMQ)', () => {
  let bed: TestBed;
  let app: NestFastifyApplication | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    bed = await testBed('module');
    const config = loadConfig(ServiceConfig, {
      NODE_ENV: 'test',
      PORT: '1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: bed.database.url,
      RABBITMQ_URL,
      EVENTS_EXCHANGE: bed.exchange,
      CONSUMER_RETRY_DELAYS_MS: '100',
    });
    app = await createServiceApp(ServiceModule.forRoot(config, bed.serviceName), {
      serviceName: bed.serviceName,
      config,
    });
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
    expect(app!.get(NoteSubmission).correlationIds).toEqual(['corr-module-1']);
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(
      /^ajla_events_published_total\{type="request.submitted",service="[^"]+"\} 1$/m,
    );
    expect(metrics).toMatch(
      /^ajla_events_consumed_total\{type="request.submitted",outcome="handled",service="[^"]+"\} 1$/m,
    );
  });

  it('shuts down cleanly: consumer and relay stopped, connection closed, nothing left unacked', async () => {
    const closing = app!;
    app = undefined;
    await closing.close();
    const queue = await bed.channel.checkQueue(`${bed.serviceName}.events`);
    expect(queue).toMatchObject({ messageCount: 0, consumerCount: 0 });
  });
});
