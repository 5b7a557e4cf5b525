import { createEnvelope } from '@ajla/contracts';
import { EventTransport, type DeliveryOutcome } from '@ajla/messaging';
import { newId } from '@ajla/shared-kernel';
import { waitFor } from '@ajla/testing';
import type { ConsumeMessage } from 'amqplib';
import { Client } from 'pg';
import { call, ServiceHarness, type Account, type Replica } from '../test/harness';

jest.setTimeout(60_000);

/** request.submitted in, conversation.started and message.created out, over a real RabbitMQ. */
describe('conversation-service events', () => {
  const harness = new ServiceHarness();
  let replica: Replica;
  let sql: Client;
  let published: ConsumeMessage[];
  let layla: Account;
  let agent: Account;

  beforeAll(async () => {
    await harness.setUp('events');
    replica = await harness.startReplica();
    sql = new Client({ connectionString: harness.db.url });
    await sql.connect();
    published = await harness.tap('conversation.#', 'message.#');
    [layla, agent] = await Promise.all([harness.account('user'), harness.account('agent')]);
  });

  afterAll(async () => {
    await sql?.end();
    await harness.tearDown();
  });

  const submitted = (conversationId: string, userId: string, description = 'A table for two') =>
    createEnvelope(
      'request.submitted',
      {
        request_id: newId(),
        user_id: userId,
        type: 'dining',
        description,
        status: 'new',
        conversation_id: conversationId,
        created_at: '2026-11-22T10:00:00.000Z',
      },
      { producer: 'request-service', correlationId: `corr-${conversationId.slice(-6)}` },
    );

  const publish = (envelope: ReturnType<typeof submitted>) => harness.publish(envelope);

  const handled = (eventId: string) =>
    waitFor(async () => {
      const { rowCount } = await sql.query(
        'SELECT 1 FROM conversations.inbox_messages WHERE event_id = $1',
        [eventId],
      );
      return rowCount === 1;
    }, 15_000);

  const eventsOf = (conversationId: string) =>
    published
      .map((message) => JSON.parse(message.content.toString()))
      .filter((envelope) => envelope.data.conversation_id === conversationId);

  it('opens the conversation of a request.submitted (when the synchronous call never came)', async () => {
    const conversationId = newId();
    const event = submitted(conversationId, layla.id, 'Opera tickets 🎭 — تذاكر');
    publish(event);
    await handled(event.id);
    const got = await call(replica.baseUrl, 'GET', `/api/v1/conversations/${conversationId}`, {
      as: layla,
    });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      id: conversationId,
      request_id: event.data.request_id,
      user_id: layla.id,
      created_at: '2026-11-22T10:00:00.000Z',
      messages: [
        { seq: 1, sender_id: layla.id, sender_type: 'user', content: 'Opera tickets 🎭 — تذاكر' },
      ],
    });
    // Its events, published with the request's correlation id.
    const events = await waitFor(() => {
      const found = eventsOf(conversationId);
      return found.length === 2 ? found : undefined;
    }, 10_000);
    expect(events.map((e) => e.type)).toEqual(['conversation.started', 'message.created']);
    expect(events[0]).toMatchObject({
      producer: 'conversation-service',
      correlation_id: `corr-${conversationId.slice(-6)}`,
      data: {
        conversation_id: conversationId,
        request_id: event.data.request_id,
        user_id: layla.id,
      },
    });
    expect(events[1].data).toMatchObject({ seq: 1, sender_type: 'user', client_id: null });
  });

  it('creates one conversation when the event and the synchronous call race, and none twice on redelivery', async () => {
    for (let round = 0; round < 10; round++) {
      const conversationId = newId();
      const event = submitted(conversationId, layla.id);
      const put = call(replica.baseUrl, 'PUT', `/internal/conversations/${conversationId}`, {
        as: layla,
        body: {
          request_id: event.data.request_id,
          user_id: layla.id,
          description: event.data.description,
          created_at: event.data.created_at,
        },
      });
      publish(event);
      publish(event); // a redelivery
      expect([200, 201]).toContain((await put).status);
      await handled(event.id);
      const { rows } = await sql.query(
        `SELECT (SELECT count(*)::int FROM conversations.conversations WHERE id = $1) AS conversations,
                (SELECT count(*)::int FROM conversations.messages WHERE conversation_id = $1) AS messages,
                (SELECT count(*)::int FROM conversations.outbox_messages
                  WHERE envelope->'data'->>'conversation_id' = $1::text) AS events`,
        [conversationId],
      );
      expect(rows[0]).toEqual({ conversations: 1, messages: 1, events: 2 });
    }
  });

  it("acknowledges, without a transaction, the request.submitted of a conversation it opened on request-service's call", async () => {
    const outcomes = new Map<string, DeliveryOutcome>();
    const stop = replica.app.get(EventTransport).watchSettled((outcome, message) => {
      if (typeof message.properties.messageId === 'string') {
        outcomes.set(message.properties.messageId, outcome);
      }
    });
    const open = (event: ReturnType<typeof submitted>, userId = event.data.user_id) =>
      call(replica.baseUrl, 'PUT', `/internal/conversations/${event.data.conversation_id}`, {
        as: layla,
        body: {
          request_id: event.data.request_id,
          user_id: userId,
          description: event.data.description,
          created_at: event.data.created_at,
        },
      });
    try {
      const event = submitted(newId(), layla.id);
      expect((await open(event)).status).toBe(201);
      publish(event);
      await waitFor(() => outcomes.get(event.id) === 'ignored', 15_000);
      const { rowCount } = await sql.query(
        'SELECT 1 FROM conversations.inbox_messages WHERE event_id = $1',
        [event.id],
      );
      expect(rowCount).toBe(0);

      // An event that does not match the opening it remembers (here another request's) is handled
      // as always: the handler, not the filter, says what is wrong with it.
      const stranger = submitted(newId(), layla.id);
      expect((await open(stranger)).status).toBe(201);
      publish({ ...stranger, data: { ...stranger.data, request_id: newId() } });
      await waitFor(() => outcomes.get(stranger.id) !== undefined, 15_000);
      expect(outcomes.get(stranger.id)).not.toBe('ignored');
    } finally {
      stop();
    }
  });

  it('publishes message.created for every message, with its seq and sender', async () => {
    const conversationId = newId();
    const event = submitted(conversationId, layla.id);
    publish(event);
    await handled(event.id);
    const clientId = newId();
    const posted = await call(replica.baseUrl, 'POST', '/api/v1/messages', {
      as: agent,
      body: { conversation_id: conversationId, content: 'Booked ✅', client_id: clientId },
    });
    expect(posted.status).toBe(201);
    const created = await waitFor(
      () => eventsOf(conversationId).find((e) => e.type === 'message.created' && e.data.seq === 2),
      10_000,
    );
    expect(created.data).toEqual({
      message_id: posted.body.id,
      conversation_id: conversationId,
      request_id: event.data.request_id,
      user_id: layla.id,
      seq: 2,
      sender_id: agent.id,
      sender_type: 'admin',
      content: 'Booked ✅',
      client_id: clientId,
      created_at: posted.body.created_at,
    });
  });
});
