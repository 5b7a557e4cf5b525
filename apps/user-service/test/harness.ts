// Boots user-service for integration specs over real HTTP: a fresh database, a Redis prefix, its
// own signing keys and an events exchange of the run's own, with a root admin (@ajla/service-testing).
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@ajla/platform';
import {
  startServiceApp,
  TEST_RABBITMQ_URL,
  TEST_REDIS_URL,
  TestEventBus,
  TestTokens,
} from '@ajla/service-testing';
import { createTestDatabase, uniqueRedisPrefix } from '@ajla/testing';
import type { ConsumeMessage } from 'amqplib';
import { AppModule, OPEN_API, SERVICE_NAME } from '../src/app.module';
import { UserServiceConfig } from '../src/config/user-service.config';

/** The admin the service makes sure of at start (`ADMIN_EMAIL`, `ADMIN_PASSWORD`). */
export const ROOT_ADMIN = { email: 'root.admin@ajla.test', password: 'admin password 123' };

export interface UserServiceOptions {
  /** Routing key pattern of the events to record from the start (before the first is published). */
  tap: string;
  /** Adds to or overrides the test configuration. */
  env?: Record<string, string>;
  /**
   * Consume events too, under this name (its queues are removed afterwards); without it, the
   * service serves HTTP and publishes only.
   */
  consumer?: { messagingName: string; retryDelaysMs: number[] };
}

export interface UserServiceUnderTest {
  app: NestFastifyApplication;
  baseUrl: string;
  bus: TestEventBus;
  /** What was published on the `tap` pattern, in arrival order. */
  published: ConsumeMessage[];
  stop(): Promise<void>;
}

export async function startUserService(
  label: string,
  { tap, env = {}, consumer }: UserServiceOptions,
): Promise<UserServiceUnderTest> {
  const db = await createTestDatabase(`user_service_${label}`);
  const tokens = await TestTokens.create('user-service');
  const bus = await TestEventBus.open(`user-service-${label}`);
  const published = await bus.tap(tap);
  const config = loadConfig(UserServiceConfig, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_KEY_PREFIX: uniqueRedisPrefix(`user-service-${label}`),
    JWT_KEYS_DIR: tokens.keysDir,
    ADMIN_EMAIL: ROOT_ADMIN.email,
    ADMIN_PASSWORD: ROOT_ADMIN.password,
    RABBITMQ_URL: TEST_RABBITMQ_URL,
    EVENTS_EXCHANGE: bus.exchange,
    ...(consumer && { CONSUMER_RETRY_DELAYS_MS: consumer.retryDelaysMs.join(',') }),
    ...env,
  });
  if (consumer) await bus.declareConsumer(consumer, SERVICE_NAME);
  const { app, baseUrl } = await startServiceApp(
    AppModule.forRoot(config, consumer && { messagingName: consumer.messagingName }),
    { serviceName: SERVICE_NAME, config, openApi: OPEN_API },
    { consumers: consumer !== undefined },
  );
  return {
    app,
    baseUrl,
    bus,
    published,
    stop: async () => {
      await app.close();
      await bus.close(consumer ? [consumer] : []);
      await db.drop();
      tokens.dispose();
    },
  };
}
