// Boots notification-service for integration specs: a fresh database, a Redis prefix, a RabbitMQ
// exchange and service name of the run's own, real HTTP on a free port, and a publisher of events
// the way the other services' relays send them (@ajla/service-testing).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Role } from '@ajla/auth';
import type { EventEnvelope } from '@ajla/contracts';
import { EventTransport } from '@ajla/messaging';
import { loadConfig } from '@ajla/platform';
import {
  callJson,
  startServiceApp,
  TEST_RABBITMQ_URL,
  TEST_REDIS_URL,
  TestEventBus,
  testRevocations,
  TestTokens,
  type JsonAnswer,
  type TestAccount,
} from '@ajla/service-testing';
import { createTestDatabase, uniqueRedisPrefix, waitFor, type TestDatabase } from '@ajla/testing';
import { Client } from 'pg';
import { AppModule, OPEN_API, SERVICE_NAME } from '../src/app.module';
import { NotificationServiceConfig } from '../src/config/notification-service.config';

const RETRY_DELAYS_MS = [200, 500];

export type Account = TestAccount;

/** One test run's database, broker exchange and service instance. */
export class ServiceHarness {
  readonly messagingName = `notification-service-t-${randomBytes(4).toString('hex')}`;
  readonly redisPrefix = uniqueRedisPrefix('notifications');
  db!: TestDatabase;
  app!: NestFastifyApplication;
  baseUrl!: string;
  /** `ws://` of the first instance. */
  wsUrl!: string;
  private config!: NotificationServiceConfig;
  private readonly replicas: NestFastifyApplication[] = [];
  /** Events acknowledged as having no effect here (no inbox row to wait for). */
  private readonly ignored = new Set<string>();
  sql!: Client;
  private tokens!: TestTokens;
  private bus!: TestEventBus;

  /** Where mail goes without SMTP_URL: a folder of the run's own. */
  mailDropDir!: string;

  /** `env` adds to or overrides the test configuration (SMTP_URL, MAIL_* ...). */
  async setUp(label: string, env: Record<string, string> = {}): Promise<void> {
    this.db = await createTestDatabase(`notification_${label}`);
    this.tokens = await TestTokens.create('notification');
    this.bus = await TestEventBus.open('notifications');
    this.mailDropDir = mkdtempSync(path.join(tmpdir(), 'ajla-notification-mail-'));
    this.config = loadConfig(NotificationServiceConfig, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: this.db.url,
      JWT_KEYS_DIR: this.tokens.keysDir,
      RABBITMQ_URL: TEST_RABBITMQ_URL,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: this.redisPrefix,
      EVENTS_EXCHANGE: this.bus.exchange,
      CONSUMER_RETRY_DELAYS_MS: RETRY_DELAYS_MS.join(','),
      SHUTDOWN_GRACE_MS: '5000',
      MAIL_DROP_DIR: this.mailDropDir,
      MAIL_POLL_INTERVAL_MS: '100',
      ...env,
    });
    await this.bus.declareConsumer(
      { messagingName: this.messagingName, retryDelaysMs: RETRY_DELAYS_MS },
      SERVICE_NAME,
    );
    ({ app: this.app, baseUrl: this.baseUrl, wsUrl: this.wsUrl } = await this.boot());
    this.app.get(EventTransport).watchSettled((outcome, message) => {
      const id = message.properties.messageId;
      if (outcome === 'ignored' && typeof id === 'string') this.ignored.add(id);
    });
    this.sql = new Client({ connectionString: this.db.url });
    await this.sql.connect();
  }

  /**
   * Another instance on the same database, Redis and queue (events go to either): its `ws://`
   * base, and a way to stop it before the run ends.
   */
  async replica(): Promise<{ wsUrl: string; close(): Promise<void> }> {
    const { app, wsUrl } = await this.boot();
    this.replicas.push(app);
    return { wsUrl, close: () => app.close() };
  }

  private boot() {
    const config = this.config;
    return startServiceApp(AppModule.forRoot(config, { messagingName: this.messagingName }), {
      serviceName: SERVICE_NAME,
      config,
      openApi: OPEN_API,
    });
  }

  async tearDown(): Promise<void> {
    for (const replica of this.replicas) await replica.close().catch(() => undefined);
    await this.app?.close().catch(() => undefined);
    await this.sql?.end().catch(() => undefined);
    await this.bus?.close([{ messagingName: this.messagingName, retryDelaysMs: RETRY_DELAYS_MS }]);
    await this.db?.drop();
    this.tokens?.dispose();
    if (this.mailDropDir) rmSync(this.mailDropDir, { recursive: true, force: true });
  }

  account(role: Role, id?: string): Promise<Account> {
    return this.tokens.account(role, id);
  }

  /** Announces revocations the way user-service does, on this run's Redis prefix. */
  revocations() {
    return testRevocations(this.redisPrefix);
  }

  /** Publishes an event the way a relay does. */
  publish(envelope: EventEnvelope): void {
    this.bus.publish(envelope);
  }

  /**
   * Resolves once the event's inbox row is committed (with its effects), or once the service
   * acknowledged it as one that can have no effect here (`ActivityEventFilter`).
   */
  handled(eventId: string): Promise<true> {
    return waitFor(async () => {
      if (this.ignored.has(eventId)) return true;
      const { rowCount } = await this.sql.query(
        'SELECT 1 FROM notifications.inbox_messages WHERE event_id = $1',
        [eventId],
      );
      return rowCount === 1 ? true : undefined;
    }, 15_000);
  }

  async call(
    method: string,
    url: string,
    options: { body?: unknown; as?: Account } = {},
  ): Promise<Pick<JsonAnswer, 'status' | 'body'>> {
    const { status, body } = await callJson(this.baseUrl, method, url, {
      body: options.body,
      token: options.as?.token,
    });
    return { status, body };
  }
}
