/* eslint-disable @typescript-eslint/no-explicit-any -- like the specs: untyped JSON answers */
// Boots notification-service for integration specs: a fresh database, a Redis prefix, a RabbitMQ
// exchange and service name of the run's own, real HTTP on a free port, and a publisher of events
// the way the other services' relays send them.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthConfig, SessionRevocationPublisher, TokenSigner, type Role } from '@ajla/auth';
import type { EventEnvelope } from '@ajla/contracts';
import { consumerQueues, EventTransport, parseRetryDelays } from '@ajla/messaging';
import { createRedisClient, createServiceApp, loadConfig } from '@ajla/platform';
import { newId } from '@ajla/shared-kernel';
import { createTestDatabase, uniqueRedisPrefix, waitFor, type TestDatabase } from '@ajla/testing';
import amqplib, { type Channel, type ChannelModel } from 'amqplib';
import { Client } from 'pg';
import { AppModule, OPEN_API, SERVICE_NAME } from '../src/app.module';
import { NotificationServiceConfig } from '../src/config/notification-service.config';

export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RETRY_DELAYS_MS = '200,500';

export interface Account {
  id: string;
  role: Role;
  token: string;
  /** The session (`sid`) the token belongs to. */
  sessionId: string;
}

export interface Answer {
  status: number;
  body: any;
}

function urlOf(app: NestFastifyApplication): string {
  const address = app.getHttpServer().address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** One test run's database, broker exchange and service instance. */
export class ServiceHarness {
  readonly run = randomBytes(4).toString('hex');
  readonly exchange = `ajla_t.events.notifications.${this.run}`;
  readonly messagingName = `notification-service-t-${this.run}`;
  readonly redisPrefix = uniqueRedisPrefix('notifications');
  db!: TestDatabase;
  app!: NestFastifyApplication;
  baseUrl!: string;
  /** `ws://` of the first instance. */
  wsUrl!: string;
  private config!: NotificationServiceConfig;
  private readonly replicas: NestFastifyApplication[] = [];
  sql!: Client;
  private keysDir!: string;
  private signer!: TokenSigner;
  private broker!: ChannelModel;
  private channel!: Channel;

  /** Where mail goes without SMTP_URL: a folder of the run's own. */
  mailDropDir!: string;

  /** `env` adds to or overrides the test configuration (SMTP_URL, MAIL_* ...). */
  async setUp(label: string, env: Record<string, string> = {}): Promise<void> {
    this.db = await createTestDatabase(`notification_${label}`);
    this.keysDir = mkdtempSync(path.join(tmpdir(), 'ajla-notification-keys-'));
    this.mailDropDir = mkdtempSync(path.join(tmpdir(), 'ajla-notification-mail-'));
    this.signer = await TokenSigner.fromConfig(
      loadConfig(AuthConfig, { JWT_KEYS_DIR: this.keysDir }),
    );
    const config = loadConfig(NotificationServiceConfig, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: this.db.url,
      JWT_KEYS_DIR: this.keysDir,
      RABBITMQ_URL,
      REDIS_URL,
      REDIS_KEY_PREFIX: this.redisPrefix,
      EVENTS_EXCHANGE: this.exchange,
      CONSUMER_RETRY_DELAYS_MS: RETRY_DELAYS_MS,
      SHUTDOWN_GRACE_MS: '5000',
      MAIL_DROP_DIR: this.mailDropDir,
      MAIL_POLL_INTERVAL_MS: '100',
      ...env,
    });
    this.config = config;
    this.app = await this.boot();
    this.baseUrl = urlOf(this.app);
    this.wsUrl = this.baseUrl.replace(/^http/, 'ws');
    this.sql = new Client({ connectionString: this.db.url });
    await this.sql.connect();
    this.broker = await amqplib.connect(RABBITMQ_URL);
    this.channel = await this.broker.createChannel();
  }

  /**
   * Another instance on the same database, Redis and queue (events go to either): its `ws://`
   * base, and a way to stop it before the run ends.
   */
  async replica(): Promise<{ wsUrl: string; close(): Promise<void> }> {
    const app = await this.boot();
    this.replicas.push(app);
    return { wsUrl: urlOf(app).replace(/^http/, 'ws'), close: () => app.close() };
  }

  private async boot(): Promise<NestFastifyApplication> {
    const config = this.config;
    const app = await createServiceApp(
      AppModule.forRoot(config, { messagingName: this.messagingName }),
      { serviceName: SERVICE_NAME, config, openApi: OPEN_API },
    );
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    // Its queue is declared and bound before a test publishes events to it.
    await app.get(EventTransport, { strict: false }).whenConsuming(15_000);
    return app;
  }

  async tearDown(): Promise<void> {
    for (const replica of this.replicas) await replica.close().catch(() => undefined);
    await this.app?.close().catch(() => undefined);
    await this.sql?.end().catch(() => undefined);
    if (this.channel) {
      const queues = consumerQueues(this.messagingName);
      for (const name of [
        queues.main,
        queues.deadLetter,
        ...parseRetryDelays(RETRY_DELAYS_MS).map(queues.retry),
      ]) {
        await this.channel.deleteQueue(name).catch(() => undefined);
      }
      await this.channel.deleteExchange(this.exchange).catch(() => undefined);
      await this.broker.close().catch(() => undefined);
    }
    await this.db?.drop();
    if (this.keysDir) rmSync(this.keysDir, { recursive: true, force: true });
    if (this.mailDropDir) rmSync(this.mailDropDir, { recursive: true, force: true });
  }

  async account(role: Role, id: string = newId()): Promise<Account> {
    const sessionId = randomUUID();
    const { token } = await this.signer.sign({ sub: id, role, tier: 5000, sid: sessionId });
    return { id, role, token, sessionId };
  }

  /** Announces revocations the way user-service does, on this run's Redis prefix. */
  revocations(): { publisher: SessionRevocationPublisher; close(): Promise<void> } {
    const redis = createRedisClient({ REDIS_URL, REDIS_KEY_PREFIX: this.redisPrefix });
    const publisher = new SessionRevocationPublisher(redis, {
      keyPrefix: this.redisPrefix,
      accessTokenTtlSeconds: 900,
    });
    return { publisher, close: async () => void (await redis.quit()) };
  }

  /** Publishes an event the way a relay does. */
  publish(envelope: EventEnvelope): void {
    this.channel.publish(this.exchange, envelope.type, Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
      messageId: envelope.id,
      type: envelope.type,
      contentType: 'application/json',
    });
  }

  /** Resolves once the event's inbox row is committed (with its effects). */
  handled(eventId: string): Promise<true> {
    return waitFor(async () => {
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
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.as) headers.authorization = `Bearer ${options.as.token}`;
    const res = await fetch(`${this.baseUrl}${url}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
}
