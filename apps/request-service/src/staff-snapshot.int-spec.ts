import { randomBytes } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createEnvelope, type EventEnvelope, type UserRole } from '@ajla/contracts';
import { SnapshotRequests } from '@ajla/messaging';
import { loadConfig } from '@ajla/platform';
import {
  startServiceApp,
  TEST_RABBITMQ_URL,
  TestEventBus,
  TestTokens,
} from '@ajla/service-testing';
import { newId } from '@ajla/shared-kernel';
import { createTestDatabase, uniqueRedisPrefix, waitFor, type TestDatabase } from '@ajla/testing';
import type { ConsumeMessage } from 'amqplib';
import { Client } from 'pg';
import { AppModule, OPEN_API, SERVICE_NAME } from './app.module';
import { RequestServiceConfig } from './config/request-service.config';

jest.setTimeout(60_000);

const RETRY_DELAYS_MS = [200, 500];

/**
 * request-service deployed after staff accounts existed: their events were published before its
 * queue did, so it hears of them only by asking user-service for the staff snapshot. Real
 * Postgres and RabbitMQ (an exchange of this run's own); the test answers the request as
 * user-service does, with `user.snapshot` events.
 */
describe('request-service catches up on the staff (user.snapshot)', () => {
  const messagingName = `request-service-snap-${randomBytes(4).toString('hex')}`;
  let db: TestDatabase;
  let sql: Client;
  let config: RequestServiceConfig;
  let app: NestFastifyApplication | undefined;
  let tokens: TestTokens;
  let bus: TestEventBus;
  /** What user-service would receive: every user.snapshot_requested on the exchange. */
  let requests: ConsumeMessage[];
  const requestEnvelopes = () =>
    requests.map((message) => JSON.parse(message.content.toString()) as EventEnvelope);

  const at = (minute: number) => new Date(Date.UTC(2026, 10, 20, 8, minute)).toISOString();
  const sara = newId(); // agent, registered before request-service existed
  const dana = newId(); // admin, same
  const omar = newId(); // agent once, demoted before request-service existed

  beforeAll(async () => {
    db = await createTestDatabase('request_service_snapshot');
    tokens = await TestTokens.create('request-service');
    bus = await TestEventBus.open('staff-snapshot');
    requests = await bus.tap('user.snapshot_requested');
    config = loadConfig(RequestServiceConfig, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      JWT_KEYS_DIR: tokens.keysDir,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('request-service-snapshot'),
      RABBITMQ_URL: TEST_RABBITMQ_URL,
      EVENTS_EXCHANGE: bus.exchange,
      OUTBOX_POLL_INTERVAL_MS: '50',
      CONSUMER_RETRY_DELAYS_MS: RETRY_DELAYS_MS.join(','),
    });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await app?.close();
    await sql?.end();
    await bus?.close([{ messagingName, retryDelaysMs: RETRY_DELAYS_MS }]);
    await db?.drop();
    tokens?.dispose();
  });

  async function start(): Promise<void> {
    // What the topology step does when request-service joins the platform.
    await bus.declareConsumer({ messagingName, retryDelaysMs: RETRY_DELAYS_MS }, SERVICE_NAME);
    ({ app } = await startServiceApp(AppModule.forRoot(config, { messagingName }), {
      serviceName: SERVICE_NAME,
      config,
      openApi: OPEN_API,
    }));
  }

  const publish = (envelope: EventEnvelope) => bus.publish(envelope);

  /** Publishes events as user-service's relay would, and waits until request-service handled them. */
  async function deliver(...envelopes: EventEnvelope[]): Promise<void> {
    envelopes.forEach(publish);
    await waitFor(async () => {
      const { rowCount } = await sql.query(
        'SELECT 1 FROM requests.inbox_messages WHERE event_id = ANY($1)',
        [envelopes.map((e) => e.id)],
      );
      return rowCount === envelopes.length;
    }, 10_000);
  }

  const account = (id: string, role: UserRole, fullName = 'Staff Member') => ({
    user_id: id,
    email: `${id.slice(-12)}@ajla.test`,
    full_name: fullName,
    role,
    tier: 5000 as const,
  });
  const snapshot = (id: string, role: UserRole, asOf: string, fullName?: string) =>
    createEnvelope(
      'user.snapshot',
      { ...account(id, role, fullName), as_of: asOf, requested_by: SERVICE_NAME },
      { producer: 'user-service' },
    );
  const updated = (id: string, role: UserRole, updatedAt: string, fullName?: string) =>
    createEnvelope(
      'user.updated',
      { ...account(id, role, fullName), updated_at: updatedAt, changed: ['role', 'full_name'] },
      { producer: 'user-service' },
    );

  /** The staff as request-service knows them: id → role and name (clients are left out). */
  async function directory(): Promise<Record<string, string>> {
    const { rows } = await sql.query(
      `SELECT user_id, role, full_name FROM requests.accounts WHERE role <> 'user'`,
    );
    return Object.fromEntries(rows.map((r) => [r.user_id, `${r.role} ${r.full_name}`]));
  }

  it('asks for the staff snapshot at its first start and knows the staff from the answer', async () => {
    // Before request-service ever ran: its queue does not exist, these events reach nobody.
    publish(
      createEnvelope(
        'user.registered',
        { ...account(sara, 'agent'), created_at: at(0) },
        { producer: 'user-service' },
      ),
    );
    expect(await bus.hasQueue(`${messagingName}.events`)).toBe(false);

    await start();
    const [request] = await waitFor(() => (requests.length > 0 ? requestEnvelopes() : undefined));
    expect(request).toMatchObject({
      type: 'user.snapshot_requested',
      producer: SERVICE_NAME,
      data: { requested_by: SERVICE_NAME },
    });
    expect(await directory()).toEqual({});

    // user-service's answer: staff now, and the account that left the staff.
    await deliver(
      snapshot(sara, 'agent', at(0)),
      snapshot(dana, 'admin', at(1)),
      snapshot(omar, 'user', at(2)),
    );
    expect(await directory()).toEqual({
      [sara]: 'agent Staff Member',
      [dana]: 'admin Staff Member',
    });
  });

  it('never lets an older snapshot overwrite a newer event, in either order', async () => {
    // A change that arrives before an answer written earlier (the answer is as of minute 0).
    await deliver(updated(sara, 'agent', at(10), 'Sara K.'));
    await deliver(snapshot(sara, 'agent', at(0), 'Sara'));
    // A demotion, then a late snapshot from when the account was still staff.
    await deliver(updated(dana, 'user', at(11)));
    await deliver(snapshot(dana, 'admin', at(1)));
    expect(await directory()).toEqual({ [sara]: 'agent Sara K.' });

    // A newer snapshot does win (a change this service missed).
    await deliver(snapshot(sara, 'admin', at(12), 'Sara K.'));
    expect(await directory()).toEqual({ [sara]: 'admin Sara K.' });
  });

  it('asks once across restarts; a repeated answer changes nothing', async () => {
    await app!.close();
    app = undefined;
    await start();

    // The operator's "ask again" (the CLI's ask-snapshot) goes out after anything the restart
    // would have written (the relay publishes in outbox order): two requests means no third.
    const snapshots = app!.get(SnapshotRequests);
    await snapshots.askAgain('user.snapshot_requested');
    const askedAt = (await snapshots.lastAsked('user.snapshot_requested'))!.toISOString();
    await waitFor(() => requestEnvelopes().some((e) => e.occurred_at === askedAt));
    expect(requestEnvelopes()).toHaveLength(2);
    const { rows } = await sql.query('SELECT routing_key FROM requests.snapshot_requests');
    expect(rows).toEqual([{ routing_key: 'user.snapshot_requested' }]);

    // The second answer repeats the states (new event ids): the directory stays as it is.
    // updated_at is when the row was last written, not part of the state.
    const state = `SELECT user_id, role, email, full_name, last_event_at FROM requests.accounts ORDER BY user_id`;
    const before = await sql.query(state);
    await deliver(
      snapshot(sara, 'admin', at(12), 'Sara K.'),
      snapshot(dana, 'user', at(11)),
      snapshot(omar, 'user', at(2)),
    );
    expect((await sql.query(state)).rows).toEqual(before.rows);
    expect(await directory()).toEqual({ [sara]: 'admin Sara K.' });
  });
});
