import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEnvelope, type EventEnvelope } from '@ajla/contracts';
import { consumerQueues } from '@ajla/messaging';
import { createServiceApp, loadConfig } from '@ajla/platform';
import { createTestDatabase, uniqueRedisPrefix, waitFor, type TestDatabase } from '@ajla/testing';
import amqplib, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { AppModule, OPEN_API, SERVICE_NAME } from './app.module';
import { ReportStaffSnapshotHandler } from './application/report-staff-snapshot/report-staff-snapshot.handler';
import { UserServiceConfig } from './config/user-service.config';

jest.setTimeout(60_000);

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const RETRY_DELAYS_MS = [200, 500];

/**
 * user-service answers a request for the staff snapshot (`user.snapshot_requested`, from its
 * queue) with a `user.snapshot` of every account that is or was staff. Real Postgres, Redis and
 * RabbitMQ, an exchange and queues of this run's own.
 */
describe('user-service answers requests for the staff snapshot', () => {
  const run = randomBytes(4).toString('hex');
  const exchange = `ajla_t.events.user-snapshot.${run}`;
  const messagingName = `user-service-snap-${run}`;
  const admin = { email: 'root.admin@ajla.test', password: 'admin password 123' };
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let keysDir: string;
  let broker: ChannelModel;
  let channel: Channel;
  const snapshots: ConsumeMessage[] = [];
  const answersTo = (requestedBy: string) =>
    snapshots
      .map((m) => JSON.parse(m.content.toString()) as EventEnvelope<'user.snapshot'>)
      .filter((e) => e.data.requested_by === requestedBy);

  beforeAll(async () => {
    db = await createTestDatabase('user_service_snapshot');
    broker = await amqplib.connect(RABBITMQ_URL);
    channel = await broker.createChannel();
    await channel.assertExchange(exchange, 'topic', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, exchange, 'user.snapshot');
    await channel.consume(queue, (message) => message && snapshots.push(message), { noAck: true });
    keysDir = mkdtempSync(path.join(tmpdir(), 'ajla-user-service-keys-'));
    const config = loadConfig(UserServiceConfig, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: uniqueRedisPrefix('user-service-snapshot'),
      JWT_KEYS_DIR: keysDir,
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      RABBITMQ_URL,
      EVENTS_EXCHANGE: exchange,
      OUTBOX_POLL_INTERVAL_MS: '50',
      CONSUMER_RETRY_DELAYS_MS: RETRY_DELAYS_MS.join(','),
    });
    app = await createServiceApp(AppModule.forRoot(config, { messagingName }), {
      serviceName: SERVICE_NAME,
      config,
      openApi: OPEN_API,
    });
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await app?.close();
    if (channel) {
      const queues = consumerQueues(messagingName);
      for (const name of [queues.main, queues.deadLetter, ...RETRY_DELAYS_MS.map(queues.retry)]) {
        await channel.deleteQueue(name).catch(() => undefined);
      }
      await channel.deleteExchange(exchange).catch(() => undefined);
    }
    await broker?.close().catch(() => undefined);
    await db?.drop();
    rmSync(keysDir, { recursive: true, force: true });
  });

  async function call(method: string, url: string, body: unknown, token?: string): Promise<any> {
    const res = await fetch(`${baseUrl}${url}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBeLessThan(300);
    return res.json();
  }

  it('reports staff now and staff that left, as of their last change, and no client', async () => {
    const root = (await call('POST', '/api/v1/auth/login', admin)).access_token as string;
    const staff = (email: string, role: string) =>
      call('POST', '/api/v1/admin/users', { email, password: 'staff password', role }, root);
    const sara = await staff('sara@ajla.test', 'agent');
    const omar = await staff('omar@ajla.test', 'agent');
    const nora = await call('POST', '/api/v1/auth/register', {
      email: 'nora@ajla.test',
      password: 'long enough',
    });
    const demoted = await call('PATCH', `/api/v1/admin/users/${omar.id}`, { role: 'user' }, root);

    const request = createEnvelope(
      'user.snapshot_requested',
      { requested_by: 'notification-service' },
      { producer: 'notification-service' },
    );
    channel.publish(exchange, request.type, Buffer.from(JSON.stringify(request)), {
      persistent: true,
      messageId: request.id,
      contentType: 'application/json',
    });

    const answer = await waitFor(() => {
      const found = answersTo('notification-service');
      return found.length >= 3 ? found : undefined;
    }, 15_000);
    const byId = Object.fromEntries(answer.map((e) => [e.data.user_id, e]));
    expect(Object.keys(byId)).toHaveLength(3); // root admin, sara, omar
    expect(byId[nora.id]).toBeUndefined();
    expect(byId[sara.id]).toMatchObject({
      producer: 'user-service',
      data: { role: 'agent', email: 'sara@ajla.test', as_of: sara.created_at, tier: 5000 },
    });
    // Demoted: reported as a client, as of the demotion, so that it leaves the asker's copy.
    expect(byId[omar.id].data.role).toBe('user');
    expect(new Date(byId[omar.id].data.as_of).getTime()).toBeGreaterThan(
      new Date(demoted.created_at).getTime(),
    );
    expect(Object.values(byId).filter((e) => e.data.role === 'admin')).toHaveLength(1);
  });

  it('pages through the accounts (outside a consumer: a transaction per page)', async () => {
    const reported = await app
      .get(ReportStaffSnapshotHandler)
      .execute({ requestedBy: 'request-service' }, 2);
    expect(reported).toBe(3);
    const answer = await waitFor(() => {
      const found = answersTo('request-service');
      return found.length >= 3 ? found : undefined;
    }, 15_000);
    expect(new Set(answer.map((e) => e.data.user_id)).size).toBe(3);
  });
});
