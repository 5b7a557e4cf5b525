// Kills notification-service (SIGKILL) while a webhook delivery waits for its retry, then starts
// it again. Runs with the other fault specs, one at a time (scripts/test.sh); needs the built
// service (`npm run build`).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuthConfig, TokenSigner } from '@ajla/auth';
import { loadConfig } from '@ajla/platform';
import { EVENTS_EXCHANGE } from '@ajla/contracts';
import { DEFAULT_RETRY_DELAYS_MS, declareEventTopologyAt, parseRetryDelays } from '@ajla/messaging';
import { newId } from '@ajla/shared-kernel';
import {
  createTestDatabase,
  createTestVhost,
  ServiceProcess,
  uniqueRedisPrefix,
  waitFor,
  type TestDatabase,
} from '@ajla/testing';
import amqplib, { type ChannelModel } from 'amqplib';
import { Client } from 'pg';
import { submittedEvent } from '../test/events';
import {
  TEST_RABBITMQ_URL as RABBITMQ_URL,
  TEST_REDIS_URL as REDIS_URL,
} from '@ajla/service-testing';
import { WebhookReceiver } from '../test/webhook-receiver';

jest.setTimeout(120_000);

const REPO_ROOT = path.resolve(__dirname, '../../..');
const MAIN = path.join(REPO_ROOT, 'dist/apps/notification-service/src/main.js');
const LOGS = path.join(REPO_ROOT, 'tmp/fault-logs');
/** The wait before the third attempt: the window in which the process is killed. */
const RETRY_DELAYS_MS = '300,4000,300,300,300';

describe('notification-service killed while a webhook delivery waits for its retry', () => {
  const run = randomUUID().slice(0, 8);
  const receiver = new WebhookReceiver();
  let db: TestDatabase;
  let sql: Client;
  let vhost: { url: string; drop(): void };
  let broker: ChannelModel;
  let keysDir: string;
  let mailDir: string;
  let token: string;
  let service: ServiceProcess | undefined;

  const start = (name: string) =>
    ServiceProcess.start(`notification-service ${name}`, {
      script: MAIN,
      cwd: REPO_ROOT,
      logFile: path.join(LOGS, `notification-service-${run}-${name}.log`),
      env: {
        NODE_ENV: 'test',
        DATABASE_URL: db.url,
        RABBITMQ_URL: vhost.url,
        REDIS_URL,
        REDIS_KEY_PREFIX: uniqueRedisPrefix('notification_fault'),
        JWT_KEYS_DIR: keysDir,
        MAIL_DROP_DIR: mailDir,
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_POLL_INTERVAL_MS: '100',
        WEBHOOK_RETRY_DELAYS_MS: RETRY_DELAYS_MS,
        WEBHOOK_TIMEOUT_MS: '2000',
      },
    });

  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${service!.url}${url}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  const delivery = async (eventId: string) => {
    const { rows } = await sql.query<{
      id: string;
      status: string;
      attempts: number;
      attempt_log: { status_code: number | null }[];
    }>(
      'SELECT id, status, attempts, attempt_log FROM notifications.webhook_deliveries WHERE event_id = $1',
      [eventId],
    );
    return rows[0];
  };

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
    mkdirSync(LOGS, { recursive: true });
    keysDir = mkdtempSync(path.join(tmpdir(), 'ajla-notification-keys-'));
    mailDir = mkdtempSync(path.join(tmpdir(), 'ajla-notification-mail-'));
    const signer = await TokenSigner.fromConfig(loadConfig(AuthConfig, { JWT_KEYS_DIR: keysDir }));
    token = (await signer.sign({ sub: newId(), role: 'admin', tier: 5000, sid: randomUUID() }))
      .token;
    await receiver.start();
    db = await createTestDatabase('notification_fault');
    vhost = createTestVhost(RABBITMQ_URL, 'notification_fault');
    // The topology step, as `npm run up` runs it before the services (they only check it).
    await declareEventTopologyAt(vhost.url, {
      exchange: EVENTS_EXCHANGE,
      retryDelaysMs: parseRetryDelays(DEFAULT_RETRY_DELAYS_MS),
    });
    service = await start('first');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    broker = await amqplib.connect(vhost.url);
  });

  afterAll(async () => {
    await service?.kill('SIGTERM');
    await broker?.close().catch(() => undefined);
    await sql?.end().catch(() => undefined);
    await receiver.stop();
    await db?.drop();
    vhost?.drop();
    for (const dir of [keysDir, mailDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('still delivers it after the restart, and exactly once after the receiver first takes it', async () => {
    const created = await call('POST', '/api/v1/admin/webhooks', {
      url: receiver.url,
      events: ['request.submitted'],
    });
    expect(created.status).toBe(201);
    const webhookId = created.body.id as string;

    // Published the way request-service's relay does, once the service's queue is bound (a
    // check of a missing queue closes its channel: one channel per look).
    await waitFor(
      async () => {
        const look = await broker.createChannel();
        look.on('error', () => undefined);
        try {
          await look.checkQueue('notification-service.events');
          await look.close();
          return true;
        } catch {
          return undefined;
        }
      },
      15_000,
      100,
    );
    const channel = await broker.createChannel();
    const event = submittedEvent();
    receiver.answerNext(500, 500);
    channel.publish('ajla.events', event.type, Buffer.from(JSON.stringify(event)), {
      persistent: true,
      messageId: event.id,
      type: event.type,
      contentType: 'application/json',
    });
    await channel.close();

    // Two failed attempts are committed: it now waits 4 s for the third. Kill it then.
    const waiting = await waitFor(
      async () => {
        const row = await delivery(event.id);
        return row?.attempts === 2 && row.status === 'pending' ? row : undefined;
      },
      15_000,
      20,
    );
    await service!.kill('SIGKILL');
    service = undefined;
    expect(receiver.ofDelivery(waiting.id).map((r) => r.status)).toEqual([500, 500]);

    service = await start('second');
    const done = await waitFor(
      async () => {
        const row = await delivery(event.id);
        return row?.status === 'succeeded' ? row : undefined;
      },
      30_000,
      50,
    );
    expect(done.id).toBe(waiting.id);
    expect(done.attempt_log.map((a) => a.status_code)).toEqual([500, 500, 200]);

    // A later delivery arriving proves the sender has run since: nothing more of the first came.
    const probe = await call('POST', `/api/v1/admin/webhooks/${webhookId}/test`);
    expect(probe.status).toBe(202);
    await waitFor(() => receiver.ofDelivery(probe.body.id).length > 0, 15_000);
    const tries = receiver.ofDelivery(waiting.id);
    expect(tries.map((r) => r.status)).toEqual([500, 500, 200]);
    expect(tries.filter((r) => r.status >= 200 && r.status < 300)).toHaveLength(1);
    expect(new Set(tries.map((r) => r.headers['webhook-id']))).toEqual(new Set([waiting.id]));
  });
});
