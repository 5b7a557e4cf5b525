import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Role } from '@ajla/auth';
import { createEnvelope, type EventEnvelope } from '@ajla/contracts';
import { loadConfig } from '@ajla/platform';
import {
  callJson,
  startServiceApp,
  TEST_RABBITMQ_URL,
  TestEventBus,
  TestTokens,
  type JsonAnswer,
  type TestAccount,
} from '@ajla/service-testing';
import { newId } from '@ajla/shared-kernel';
import { createTestDatabase, uniqueRedisPrefix, waitFor, type TestDatabase } from '@ajla/testing';
import type { ConsumeMessage } from 'amqplib';
import { Client } from 'pg';
import { AppModule, OPEN_API, SERVICE_NAME } from './app.module';
import { RequestServiceConfig } from './config/request-service.config';

jest.setTimeout(60_000);

const RETRY_DELAYS_MS = [200, 500];

type Account = TestAccount;

/**
 * The whole service on a free port, over real HTTP, on a fresh database, with a real RabbitMQ:
 * an exchange and queues of this run's own, a tap on the exchange to see what the outbox relay
 * publishes, and user events published the way user-service does.
 */
describe('request-service over HTTP', () => {
  const run = randomBytes(4).toString('hex');
  const messagingName = `request-service-t-${run}`;
  let db: TestDatabase;
  let sql: Client;
  let app: NestFastifyApplication;
  let baseUrl: string;
  let tokens: TestTokens;
  let bus: TestEventBus;
  let published: ConsumeMessage[];
  // Stands in for conversation-service: every synchronous "open the conversation" call.
  let conversationService: Server;
  const openCalls: { url: string; headers: IncomingHttpHeaders; body: any }[] = [];

  let layla: Account; // a client
  let omar: Account; // another client
  let agent: Account;
  let admin: Account;

  beforeAll(async () => {
    db = await createTestDatabase('request_service_http');
    conversationService = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        openCalls.push({ url: req.url!, headers: req.headers, body: JSON.parse(text) });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => conversationService.listen(0, '127.0.0.1', resolve));
    const conversationPort = (conversationService.address() as AddressInfo).port;
    tokens = await TestTokens.create('request-service');
    bus = await TestEventBus.open('requests');
    published = await bus.tap('request.#');
    const config = loadConfig(RequestServiceConfig, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: db.url,
      JWT_KEYS_DIR: tokens.keysDir,
      REDIS_KEY_PREFIX: uniqueRedisPrefix('request-service-http'),
      RABBITMQ_URL: TEST_RABBITMQ_URL,
      EVENTS_EXCHANGE: bus.exchange,
      OUTBOX_POLL_INTERVAL_MS: '50',
      CONSUMER_RETRY_DELAYS_MS: RETRY_DELAYS_MS.join(','),
      CONVERSATION_SERVICE_URL: `http://127.0.0.1:${conversationPort}`,
    });
    await bus.declareConsumer({ messagingName, retryDelaysMs: RETRY_DELAYS_MS }, SERVICE_NAME);
    ({ app, baseUrl } = await startServiceApp(AppModule.forRoot(config, { messagingName }), {
      serviceName: SERVICE_NAME,
      config,
      openApi: OPEN_API,
    }));
    sql = new Client({ connectionString: db.url });
    await sql.connect();

    [layla, omar, agent, admin] = await Promise.all([
      account('user'),
      account('user'),
      account('agent'),
      account('admin'),
    ]);
  });

  afterAll(async () => {
    await app?.close();
    await sql?.end();
    await bus?.close([{ messagingName, retryDelaysMs: RETRY_DELAYS_MS }]);
    await db?.drop();
    conversationService?.closeAllConnections();
    await new Promise((resolve) => conversationService?.close(resolve));
    tokens?.dispose();
  });

  const account = (role: Role, id?: string) => tokens.account(role, id);

  const call = (
    method: string,
    url: string,
    options: { body?: unknown; raw?: string; as?: Account; headers?: Record<string, string> } = {},
  ): Promise<JsonAnswer> =>
    callJson(baseUrl, method, url, { ...options, token: options.as?.token });

  const submit = (
    as: Account,
    body: unknown = { type: 'dining', description: 'A table for two' },
  ) => call('POST', '/api/v1/requests', { as, body });
  const assign = (id: string, as: Account, body?: unknown) =>
    call('POST', `/api/v1/admin/requests/${id}/assign`, { as, body });
  const setStatus = (id: string, as: Account, status: string) =>
    call('POST', `/api/v1/admin/requests/${id}/status`, { as, body: { status } });
  const cancel = (id: string, as: Account) => call('POST', `/api/v1/requests/${id}/cancel`, { as });

  /** Publishes a user event as user-service's relay would, and waits until it was handled. */
  async function publishUserEvent(envelope: EventEnvelope): Promise<void> {
    bus.publish(envelope);
    await waitFor(async () => {
      const { rowCount } = await sql.query(
        'SELECT 1 FROM requests.inbox_messages WHERE event_id = $1',
        [envelope.id],
      );
      return rowCount === 1;
    }, 10_000);
  }

  const userRegistered = (id: string, role: Role) =>
    createEnvelope(
      'user.registered',
      {
        user_id: id,
        email: `${role}.${id.slice(-6)}@ajla.test`,
        full_name: 'Staff Member',
        role,
        tier: 5000,
        created_at: new Date().toISOString(),
      },
      { producer: 'user-service' },
    );

  const publishedOf = (requestId: string) =>
    published
      .map((message) => ({ message, envelope: JSON.parse(message.content.toString()) }))
      .filter(({ envelope }) => envelope.data.request_id === requestId);

  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

  it('walks submit → get → queue → claim → in_progress → fulfilled, publishing each change', async () => {
    const submitted = await call('POST', '/api/v1/requests', {
      as: layla,
      body: { type: 'travel', description: '  Two seats to Petra 🏜️ — رحلة إلى البتراء  ' },
      headers: { 'x-correlation-id': `walk-${run}` },
    });
    expect(submitted.status).toBe(201);
    expect(submitted.body).toEqual({
      id: expect.stringMatching(UUID),
      user_id: layla.id,
      type: 'travel',
      description: 'Two seats to Petra 🏜️ — رحلة إلى البتراء',
      status: 'new',
      assignee_id: null,
      conversation_id: expect.stringMatching(UUID),
      created_at: expect.stringMatching(ISO),
      updated_at: submitted.body.created_at,
    });
    const id = submitted.body.id as string;

    // Before answering, it asked conversation-service to open the conversation, as the client.
    const opened = openCalls.filter((c) => c.body.request_id === id);
    expect(opened).toEqual([
      {
        url: `/internal/conversations/${submitted.body.conversation_id}`,
        headers: expect.objectContaining({
          authorization: `Bearer ${layla.token}`,
          'x-correlation-id': `walk-${run}`,
        }),
        body: {
          request_id: id,
          user_id: layla.id,
          description: 'Two seats to Petra 🏜️ — رحلة إلى البتراء',
          created_at: submitted.body.created_at,
        },
      },
    ]);

    expect((await call('GET', `/api/v1/requests/${id}`, { as: layla })).body).toEqual(
      submitted.body,
    );
    expect((await call('GET', `/api/v1/requests/${id}`, { as: agent })).status).toBe(200);
    expect((await call('GET', `/api/v1/requests/${id.toUpperCase()}`, { as: admin })).status).toBe(
      200,
    );

    const queue = await call('GET', '/api/v1/admin/requests?status=new', { as: agent });
    expect(queue.status).toBe(200);
    expect(queue.body.items.map((r: any) => r.id)).toContain(id);

    const claimed = await assign(id, agent);
    expect(claimed.status).toBe(200);
    expect(claimed.body).toMatchObject({ id, status: 'assigned', assignee_id: agent.id });
    expect(Date.parse(claimed.body.updated_at)).toBeGreaterThanOrEqual(
      Date.parse(claimed.body.created_at),
    );

    const working = await setStatus(id, agent, 'in_progress');
    expect(working.status).toBe(200);
    expect(working.body.status).toBe('in_progress');
    const done = await setStatus(id, admin, 'fulfilled');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'fulfilled', assignee_id: agent.id });

    // The relay published every change, in order, as contract envelopes.
    const events = await waitFor(() => {
      const found = publishedOf(id);
      return found.length === 4 ? found : undefined;
    }, 10_000);
    expect(events.map(({ envelope }) => envelope.type)).toEqual([
      'request.submitted',
      'request.assigned',
      'request.status_changed',
      'request.status_changed',
    ]);
    const [first, second, third, fourth] = events.map(({ envelope }) => envelope);
    expect(first).toMatchObject({
      producer: 'request-service',
      version: 1,
      correlation_id: `walk-${run}`,
      data: {
        request_id: id,
        user_id: layla.id,
        conversation_id: submitted.body.conversation_id,
        description: 'Two seats to Petra 🏜️ — رحلة إلى البتراء',
        status: 'new',
      },
    });
    expect(second.data).toMatchObject({
      assignee_id: agent.id,
      assigned_by: agent.id,
      previous_assignee_id: null,
      status: 'assigned',
    });
    expect(third.data).toMatchObject({ from: 'assigned', to: 'in_progress', changed_by: agent.id });
    expect(fourth.data).toMatchObject({
      from: 'in_progress',
      to: 'fulfilled',
      changed_by: admin.id,
    });
    const message = events[0]!.message;
    expect(message.properties).toMatchObject({
      messageId: first.id,
      type: 'request.submitted',
      deliveryMode: 2,
    });
    expect(message.properties.headers?.['x-correlation-id']).toBe(`walk-${run}`);

    // Nothing moves a fulfilled request any more.
    const reassign = await assign(id, admin);
    expect(reassign.status).toBe(409);
    expect(reassign.body).toEqual({
      detail: 'cannot assign a fulfilled request',
      code: 'request_closed',
    });
    const late = await cancel(id, layla);
    expect(late.status).toBe(409);
    expect(late.body.detail).toBe('cannot move a request from fulfilled to cancelled');
  });

  it('validates submissions: 400 for bad fields, 401 without a token, 403 for staff', async () => {
    for (const body of [
      { type: 'flights', description: 'x' },
      { type: 'travel' },
      { description: 'x' },
      { type: 'travel', description: '   ' },
      { type: 'travel', description: 'x'.repeat(5001) },
      { type: 'travel', description: 42 },
      { type: 'travel', description: 'x', status: 'fulfilled' },
      { type: 'travel', description: 'x', user_id: omar.id },
    ]) {
      const res = await submit(layla, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ detail: expect.any(String), code: expect.any(String) });
    }
    const malformed = await call('POST', '/api/v1/requests', {
      as: layla,
      raw: '{"type": "travel",',
    });
    expect(malformed.status).toBe(400);
    expect(
      (await call('POST', '/api/v1/requests', { body: { type: 'travel', description: 'x' } }))
        .status,
    ).toBe(401);
    for (const staff of [agent, admin]) {
      const res = await submit(staff);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('role_not_allowed');
    }
    // 5000 characters fit, counted as code points: Arabic letters, emoji.
    for (const description of ['ع'.repeat(5000), '🎟️'.repeat(2500), '🎟'.repeat(5000)]) {
      expect((await submit(layla, { type: 'shopping', description })).status).toBe(201);
    }
    expect((await submit(layla, { type: 'shopping', description: '🎟'.repeat(5001) })).status).toBe(
      400,
    );
  });

  it("lists only the caller's requests, newest first, with paging and a status filter", async () => {
    const nora = await account('user');
    const ids: string[] = [];
    for (const description of ['first', 'second', 'third']) {
      ids.push((await submit(nora, { type: 'events', description })).body.id);
    }
    await submit(omar, { type: 'events', description: "omar's" });
    await cancel(ids[0]!, nora);

    const all = await call('GET', '/api/v1/requests', { as: nora });
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 3, page: 1, page_size: 20 });
    expect(all.body.items.map((r: any) => r.description)).toEqual(['third', 'second', 'first']);

    const paged = await call('GET', '/api/v1/requests?page=2&page_size=2', { as: nora });
    expect(paged.body).toMatchObject({ total: 3, page: 2, page_size: 2 });
    expect(paged.body.items.map((r: any) => r.id)).toEqual([ids[0]]);

    const cancelled = await call('GET', '/api/v1/requests?status=cancelled', { as: nora });
    expect(cancelled.body).toMatchObject({
      total: 1,
      items: [{ id: ids[0], status: 'cancelled' }],
    });

    for (const query of [
      'page_size=101',
      'page_size=0',
      'page=0',
      'page=abc',
      'status=done',
      'sort=asc',
    ]) {
      const res = await call('GET', `/api/v1/requests?${query}`, { as: nora });
      expect(res.status).toBe(400);
    }
    expect((await call('GET', '/api/v1/requests', { as: agent })).status).toBe(403);
    expect((await call('GET', '/api/v1/requests')).status).toBe(401);
  });

  it("answers 404 for another client's request, an unknown id and a malformed one", async () => {
    const mine = (await submit(layla)).body.id as string;
    for (const url of [
      `/api/v1/requests/${mine}`,
      `/api/v1/requests/${newId()}`,
      '/api/v1/requests/not-a-uuid',
    ]) {
      const res = await call('GET', url, { as: omar });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'request not found', code: 'request_not_found' });
    }
    const theirs = await cancel(mine, omar);
    expect(theirs.status).toBe(404);
    expect((await call('GET', `/api/v1/requests/${mine}`, { as: layla })).body.status).toBe('new');
    expect((await assign(newId(), agent)).status).toBe(404);
    expect((await setStatus('nope', agent, 'in_progress')).status).toBe(404);
  });

  it('lets the client cancel from new, assigned and in_progress, and nobody else', async () => {
    const fresh = (await submit(layla)).body.id as string;
    const assigned = (await submit(layla)).body.id as string;
    const working = (await submit(layla)).body.id as string;
    await assign(assigned, agent);
    await assign(working, agent);
    await setStatus(working, agent, 'in_progress');

    expect((await cancel(fresh, agent)).status).toBe(403);
    expect((await cancel(fresh, admin)).status).toBe(403);
    const withBody = await call('POST', `/api/v1/requests/${fresh}/cancel`, {
      as: layla,
      body: { reason: 'changed my mind' },
    });
    expect(withBody.status).toBe(400);

    for (const id of [fresh, assigned, working]) {
      const res = await cancel(id, layla);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, status: 'cancelled' });
    }
    const again = await cancel(fresh, layla);
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      detail: 'cannot move a request from cancelled to cancelled',
      code: 'transition_not_allowed',
    });
    expect((await assign(fresh, agent)).status).toBe(409);
    expect((await setStatus(working, agent, 'in_progress')).status).toBe(409);

    const events = await waitFor(() => {
      const found = publishedOf(fresh).filter((e) => e.envelope.type === 'request.status_changed');
      return found.length === 1 ? found : undefined;
    }, 10_000);
    expect(events[0]!.envelope.data).toMatchObject({
      from: 'new',
      to: 'cancelled',
      changed_by: layla.id,
    });
  });

  it('refuses every move the lifecycle does not allow with 409', async () => {
    const id = (await submit(layla)).body.id as string;
    const refused = async (status: string, code: string, detail?: string) => {
      const res = await setStatus(id, agent, status);
      expect(res.status).toBe(409);
      expect(res.body.code).toBe(code);
      if (detail) expect(res.body.detail).toBe(detail);
    };
    // new
    await refused(
      'in_progress',
      'transition_not_allowed',
      'cannot move a request from new to in_progress',
    );
    await refused(
      'fulfilled',
      'transition_not_allowed',
      'cannot move a request from new to fulfilled',
    );
    await refused('new', 'transition_not_allowed');
    await refused('assigned', 'assigned_by_assignment_only');
    await refused('cancelled', 'cancel_by_owner_only');
    // assigned
    await assign(id, agent);
    await refused('assigned', 'transition_not_allowed');
    await refused('new', 'transition_not_allowed');
    await refused(
      'fulfilled',
      'transition_not_allowed',
      'cannot move a request from assigned to fulfilled',
    );
    await refused('cancelled', 'cancel_by_owner_only');
    // in_progress
    expect((await setStatus(id, agent, 'in_progress')).status).toBe(200);
    await refused('in_progress', 'transition_not_allowed');
    await refused('assigned', 'transition_not_allowed');
    await refused('new', 'transition_not_allowed');
    await refused('cancelled', 'cancel_by_owner_only');
    // fulfilled
    expect((await setStatus(id, agent, 'fulfilled')).status).toBe(200);
    for (const status of ['new', 'assigned', 'in_progress', 'fulfilled', 'cancelled']) {
      await refused(status, 'transition_not_allowed');
    }
    expect((await call('GET', `/api/v1/requests/${id}`, { as: layla })).body.status).toBe(
      'fulfilled',
    );

    // Bad input is 400, not 409; clients are 403.
    expect((await setStatus(id, agent, 'done')).status).toBe(400);
    expect(
      (await call('POST', `/api/v1/admin/requests/${id}/status`, { as: agent, body: {} })).status,
    ).toBe(400);
    expect((await setStatus(id, layla, 'in_progress')).status).toBe(403);
  });

  it('serves the staff queue oldest first with filters, to staff only', async () => {
    const sam = await account('user');
    const ids: string[] = [];
    for (const description of ['q1', 'q2', 'q3']) {
      ids.push((await submit(sam, { type: 'shopping', description })).body.id);
    }
    const otherAgent = await account('agent');
    await assign(ids[1]!, otherAgent);

    const all = await call('GET', '/api/v1/admin/requests?page_size=100', { as: admin });
    expect(all.status).toBe(200);
    const times = all.body.items.map((r: any) => Date.parse(r.created_at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(
      all.body.items.filter((r: any) => r.user_id === sam.id).map((r: any) => r.description),
    ).toEqual(['q1', 'q2', 'q3']);

    const theirs = await call('GET', `/api/v1/admin/requests?assignee_id=${otherAgent.id}`, {
      as: agent,
    });
    expect(theirs.body).toMatchObject({
      total: 1,
      page: 1,
      page_size: 20,
      items: [{ id: ids[1] }],
    });
    const fresh = await call('GET', '/api/v1/admin/requests?status=new&page_size=100', {
      as: agent,
    });
    expect(fresh.body.items.every((r: any) => r.status === 'new')).toBe(true);
    const page = await call('GET', '/api/v1/admin/requests?page=1&page_size=1', { as: agent });
    expect(page.body.items).toHaveLength(1);
    expect(page.body.total).toBeGreaterThan(1);

    for (const query of [
      'assignee_id=me',
      'status=open',
      'page_size=101',
      'page=-1',
      'unknown=1',
    ]) {
      expect((await call('GET', `/api/v1/admin/requests?${query}`, { as: agent })).status).toBe(
        400,
      );
    }
    const client = await call('GET', '/api/v1/admin/requests', { as: layla });
    expect(client.status).toBe(403);
    expect(client.body).toEqual({
      detail: 'Only agent or admin may do this',
      code: 'role_not_allowed',
    });
  });

  it('assigns to a named agent once user-service has said they are staff, never to a client', async () => {
    const id = (await submit(layla)).body.id as string;
    const newAgent = newId();
    const client = newId();

    // Not (yet) known as staff: 409, nothing changes.
    const early = await assign(id, admin, { agent_id: newAgent });
    expect(early.status).toBe(409);
    expect(early.body).toEqual({
      detail: 'a request can only be assigned to an agent or admin',
      code: 'assignee_not_staff',
    });

    await publishUserEvent(userRegistered(newAgent, 'agent'));
    await publishUserEvent(userRegistered(client, 'user'));

    const given = await assign(id, admin, { agent_id: newAgent });
    expect(given.status).toBe(200);
    expect(given.body).toMatchObject({ status: 'assigned', assignee_id: newAgent });
    const toClient = await assign(id, admin, { agent_id: client });
    expect(toClient.status).toBe(409);
    expect(toClient.body.code).toBe('assignee_not_staff');
    expect((await assign(id, admin, { agent_id: layla.id })).status).toBe(409);

    // Handing it over mid-work keeps the status and tells who had it.
    await setStatus(id, agent, 'in_progress');
    const handed = await assign(id, agent, {});
    expect(handed.status).toBe(200);
    expect(handed.body).toMatchObject({ status: 'in_progress', assignee_id: agent.id });
    const event = await waitFor(
      () =>
        publishedOf(id)
          .map((e) => e.envelope)
          .find((e) => e.type === 'request.assigned' && e.data.assignee_id === agent.id),
      10_000,
    );
    expect(event.data).toMatchObject({ previous_assignee_id: newAgent, status: 'in_progress' });

    // A demotion reaches the directory too.
    await publishUserEvent(
      createEnvelope(
        'user.updated',
        {
          user_id: newAgent,
          email: `agent.${newAgent.slice(-6)}@ajla.test`,
          full_name: 'Staff Member',
          role: 'user',
          tier: 5000,
          updated_at: new Date(Date.now() + 1000).toISOString(),
          changed: ['role'],
        },
        { producer: 'user-service' },
      ),
    );
    const demoted = await assign(id, admin, { agent_id: newAgent });
    expect(demoted.status).toBe(409);
    expect(demoted.body.code).toBe('assignee_not_staff');

    // Bad input.
    expect((await assign(id, admin, { agent_id: 'bob' })).status).toBe(400);
    expect((await assign(id, admin, { agent_id: newAgent, note: 'x' })).status).toBe(400);
    expect((await assign(id, layla)).status).toBe(403);
  });

  it('keeps a demotion that arrives before an older promotion: the account is not staff', async () => {
    const id = (await submit(layla)).body.id as string;
    const former = newId();
    const roleAt = (role: Role, at: string) =>
      createEnvelope(
        'user.updated',
        {
          user_id: former,
          email: `former.${former.slice(-6)}@ajla.test`,
          full_name: 'Former Agent',
          role,
          tier: 5000,
          updated_at: at,
          changed: ['role'],
        },
        { producer: 'user-service' },
      );
    // Demoted at 10:05; the promotion of 10:00 comes second (redelivered late, or from a retry).
    await publishUserEvent(roleAt('user', '2026-11-20T10:05:00.000Z'));
    await publishUserEvent(roleAt('agent', '2026-11-20T10:00:00.000Z'));

    const refused = await assign(id, admin, { agent_id: former });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('assignee_not_staff');
    const { rows } = await sql.query(
      'SELECT role, last_event_at FROM requests.accounts WHERE user_id = $1',
      [former],
    );
    expect(rows).toEqual([{ role: 'user', last_event_at: new Date('2026-11-20T10:05:00.000Z') }]);
  });

  it('reports ready (Postgres, RabbitMQ) and serves its OpenAPI document', async () => {
    const ready = await call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.checks)).toEqual(
      expect.arrayContaining(['postgres', 'rabbitmq']),
    );
    const docs = await call('GET', '/docs-json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/requests',
        '/api/v1/requests/{id}',
        '/api/v1/requests/{id}/cancel',
        '/api/v1/admin/requests',
        '/api/v1/admin/requests/{id}/assign',
        '/api/v1/admin/requests/{id}/status',
      ]),
    );
  });
});
