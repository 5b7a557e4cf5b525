import { newId } from '@ajla/shared-kernel';
import { waitFor } from '@ajla/testing';
import { Client } from 'pg';
import {
  call as callAt,
  ChatClient,
  openConversation,
  ServiceHarness,
  type Account,
  type Replica,
} from '../test/harness';

jest.setTimeout(60_000);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** The whole service over real HTTP and WebSocket, on a fresh database, Redis and RabbitMQ. */
describe('conversation-service over HTTP and WebSocket', () => {
  const harness = new ServiceHarness();
  let replica: Replica;
  let sql: Client;
  let layla: Account; // a client
  let omar: Account; // another client
  let agent: Account;
  let admin: Account;
  const sockets: ChatClient[] = [];

  const call = (...args: Parameters<typeof callAt> extends [string, ...infer R] ? R : never) =>
    callAt(replica.baseUrl, ...args);
  const connect = async (
    ...args: Parameters<typeof ChatClient.connect> extends [string, ...infer R] ? R : never
  ) => {
    const socket = await ChatClient.connect(replica.wsUrl, ...args);
    sockets.push(socket);
    return socket;
  };
  const post = (as: Account, conversationId: string, content: string, clientId?: string) =>
    call('POST', '/api/v1/messages', {
      as,
      body: {
        conversation_id: conversationId,
        content,
        ...(clientId ? { client_id: clientId } : {}),
      },
    });

  beforeAll(async () => {
    await harness.setUp('http');
    replica = await harness.startReplica({ CHAT_HEARTBEAT_MS: '300' });
    sql = new Client({ connectionString: harness.db.url });
    await sql.connect();
    [layla, omar, agent, admin] = await Promise.all([
      harness.account('user'),
      harness.account('user'),
      harness.account('agent'),
      harness.account('admin'),
    ]);
  });

  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((socket) => socket.close()));
  });

  afterAll(async () => {
    await sql?.end();
    await harness.tearDown();
  });

  describe('opening a conversation (PUT /internal/conversations/{id})', () => {
    it('creates it once, with the description as message 1 from the client, and records events', async () => {
      const conversationId = newId();
      const requestId = newId();
      const body = {
        request_id: requestId,
        user_id: layla.id,
        description: '  Two seats to Petra 🏜️ — رحلة إلى البتراء  ',
        created_at: '2026-11-22T10:00:00.000Z',
      };
      const url = `/internal/conversations/${conversationId}`;
      const first = await call('PUT', url, { as: layla, body });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        id: conversationId,
        request_id: requestId,
        user_id: layla.id,
        created_at: '2026-11-22T10:00:00.000Z',
      });
      const again = await call('PUT', url, { as: layla, body });
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);

      const got = await call('GET', `/api/v1/conversations/${conversationId}`, { as: layla });
      expect(got.status).toBe(200);
      expect(got.body).toEqual({
        ...first.body,
        messages: [
          {
            id: expect.stringMatching(UUID),
            conversation_id: conversationId,
            seq: 1,
            sender_id: layla.id,
            sender_type: 'user',
            content: 'Two seats to Petra 🏜️ — رحلة إلى البتراء',
            client_id: null,
            created_at: '2026-11-22T10:00:00.000Z',
          },
        ],
        has_more: false,
        last_seq: 1,
      });
      const { rows } = await sql.query(
        `SELECT routing_key FROM conversations.outbox_messages
         WHERE envelope->'data'->>'conversation_id' = $1 ORDER BY seq`,
        [conversationId],
      );
      expect(rows.map((r) => r.routing_key)).toEqual(['conversation.started', 'message.created']);
    });

    it('takes a whole 5000-character description as the opening message', async () => {
      const { conversationId } = await openConversation(replica.baseUrl, layla, '🎟'.repeat(5000));
      const got = await call('GET', `/api/v1/conversations/${conversationId}`, { as: layla });
      expect([...got.body.messages[0].content]).toHaveLength(5000);
    });

    it("accepts the request's client or staff only, and refuses bad bodies", async () => {
      const body = {
        request_id: newId(),
        user_id: layla.id,
        description: 'x',
        created_at: new Date().toISOString(),
      };
      const url = () => `/internal/conversations/${newId()}`;
      expect((await call('PUT', url(), { as: omar, body })).status).toBe(403);
      expect((await call('PUT', url(), { body })).status).toBe(401);
      expect((await call('PUT', url(), { as: agent, body })).status).toBe(201);
      for (const bad of [
        { ...body, description: '   ' },
        { ...body, description: 'x'.repeat(5001) },
        { ...body, created_at: 'yesterday' },
        { ...body, request_id: 'r1' },
        { ...body, extra: 1 },
      ]) {
        expect((await call('PUT', url(), { as: layla, body: bad })).status).toBe(400);
      }
      expect((await call('PUT', '/internal/conversations/nope', { as: layla, body })).status).toBe(
        400,
      );
      // The same id for another request, or the same request with another id: a conflict.
      const id = newId();
      const fresh = { ...body, request_id: newId() };
      const url2 = `/internal/conversations/${id}`;
      expect((await call('PUT', url2, { as: layla, body: fresh })).status).toBe(201);
      const other = await call('PUT', url2, { as: layla, body: { ...fresh, request_id: newId() } });
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('conversation_mismatch');
      expect((await call('PUT', url(), { as: layla, body: fresh })).status).toBe(409);
    });
  });

  describe('messages over HTTP', () => {
    it('gives each message the next seq, from the client as user and staff as admin', async () => {
      const { conversationId } = await openConversation(replica.baseUrl, layla);
      const fromClient = await post(layla, conversationId, '  Could we make it 9 pm? ');
      expect(fromClient.status).toBe(201);
      expect(fromClient.body).toEqual({
        id: expect.stringMatching(UUID),
        conversation_id: conversationId,
        seq: 2,
        sender_id: layla.id,
        sender_type: 'user',
        content: 'Could we make it 9 pm?',
        client_id: null,
        created_at: expect.stringMatching(ISO),
      });
      const fromAgent = await post(agent, conversationId, 'Of course ✅');
      expect(fromAgent.body).toMatchObject({ seq: 3, sender_id: agent.id, sender_type: 'admin' });
      const fromAdmin = await post(admin, conversationId, 'مرحبا');
      expect(fromAdmin.body).toMatchObject({ seq: 4, sender_type: 'admin' });

      const page = await call(
        'GET',
        `/api/v1/conversations/${conversationId}?after_seq=1&limit=2`,
        {
          as: agent,
        },
      );
      expect(page.body.messages.map((m: any) => m.seq)).toEqual([2, 3]);
      expect(page.body.has_more).toBe(true);
      const rest = await call('GET', `/api/v1/conversations/${conversationId}?after_seq=3`, {
        as: layla,
      });
      expect(rest.body.messages.map((m: any) => m.seq)).toEqual([4]);
      expect(rest.body.has_more).toBe(false);
    });

    it('pages backward from the newest message (latest, before_seq), ascending, with last_seq', async () => {
      const { conversationId } = await openConversation(replica.baseUrl, layla);
      for (let i = 2; i <= 6; i++) await post(layla, conversationId, `m${i}`);
      const url = `/api/v1/conversations/${conversationId}`;
      const newest = await call('GET', `${url}?latest=true&limit=2`, { as: agent });
      expect(newest.status).toBe(200);
      expect(newest.body.messages.map((m: any) => m.seq)).toEqual([5, 6]);
      expect(newest.body).toMatchObject({ has_more: true, last_seq: 6 });
      const older = await call('GET', `${url}?before_seq=5&limit=3`, { as: layla });
      expect(older.body.messages.map((m: any) => m.seq)).toEqual([2, 3, 4]);
      expect(older.body.has_more).toBe(true);
      const oldest = await call('GET', `${url}?before_seq=2&limit=3`, { as: layla });
      expect(oldest.body.messages.map((m: any) => [m.seq, m.content])).toEqual([
        [1, expect.any(String)],
      ]);
      expect(oldest.body).toMatchObject({ has_more: false, last_seq: 6 });
      // Forward pages say the conversation's last seq too; latest=false is the default.
      const forward = await call('GET', `${url}?after_seq=0&limit=1&latest=false`, { as: layla });
      expect(forward.body).toMatchObject({ has_more: true, last_seq: 6 });
      for (const query of [
        'after_seq=1&before_seq=3',
        'after_seq=0&latest=true',
        'before_seq=3&latest=true',
        'before_seq=0',
        'before_seq=-1',
        'before_seq=x',
        'before_seq=2147483648',
        'latest=yes',
        'latest=1',
        'before_seq=2&before_seq=3',
      ]) {
        const res = await call('GET', `${url}?${query}`, { as: layla });
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
        expect(res.body).toEqual({ detail: expect.any(String), code: 'validation' });
      }
      const both = await call('GET', `${url}?after_seq=1&before_seq=3`, { as: layla });
      expect(both.body.detail).toBe(
        'after_seq, before_seq and latest=true cannot be used together',
      );
      expect((await call('GET', `${url}?latest=true`, { as: omar })).status).toBe(404);
    });

    it('answers a resent client_id with the message first created (200), creating nothing', async () => {
      const { conversationId } = await openConversation(replica.baseUrl, layla);
      const clientId = newId();
      const first = await post(layla, conversationId, 'hello', clientId);
      expect(first.status).toBe(201);
      const again = await post(layla, conversationId, 'hello again', clientId);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      // Ten at once with one client id: one message.
      const racing = newId();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => post(layla, conversationId, 'once', racing)),
      );
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      const all = await call('GET', `/api/v1/conversations/${conversationId}`, { as: layla });
      expect(all.body.messages.map((m: any) => m.seq)).toEqual([1, 2, 3]);
    });

    it('hides a conversation from other clients (404) and validates input (400)', async () => {
      const { conversationId } = await openConversation(replica.baseUrl, layla);
      for (const url of [
        `/api/v1/conversations/${conversationId}`,
        `/api/v1/conversations/${newId()}`,
        '/api/v1/conversations/not-a-uuid',
      ]) {
        const res = await call('GET', url, { as: omar });
        expect(res.status).toBe(404);
        expect(res.body).toEqual({
          detail: 'conversation not found',
          code: 'conversation_not_found',
        });
      }
      expect((await post(omar, conversationId, 'hi')).status).toBe(404);
      expect((await post(layla, newId(), 'hi')).status).toBe(404);
      expect((await call('GET', `/api/v1/conversations/${conversationId}`)).status).toBe(401);
      for (const query of ['limit=0', 'limit=201', 'after_seq=-1', 'after_seq=x', 'page=1']) {
        const res = await call('GET', `/api/v1/conversations/${conversationId}?${query}`, {
          as: layla,
        });
        expect(res.status).toBe(400);
      }
      for (const body of [
        { conversation_id: conversationId, content: '   ' },
        { conversation_id: conversationId, content: 'x'.repeat(4001) },
        { conversation_id: conversationId, content: 42 },
        { conversation_id: conversationId, content: 'x', client_id: 'c1' },
        { conversation_id: 'c', content: 'x' },
        { conversation_id: conversationId, content: 'x', sender_type: 'admin' },
      ]) {
        const res = await call('POST', '/api/v1/messages', { as: layla, body });
        expect(res.status).toBe(400);
        expect(res.body).toEqual({ detail: expect.any(String), code: expect.any(String) });
      }
      // 4000 characters fit, counted as code points.
      expect((await post(layla, conversationId, '🙂'.repeat(4000))).status).toBe(201);
    });
  });

  describe('the chat WebSocket', () => {
    it('lets a client and an agent chat: ack to the sender, the message to both, typing, read, ping', async () => {
      const { conversationId } = await openConversation(replica.baseUrl, layla);
      const client = await connect(conversationId, layla);
      const staff = await connect(conversationId, agent, { subprotocol: true });
      expect(staff.ws.protocol).toBe('bearer');

      const clientId = newId();
      client.send({
        type: 'message.send',
        content: 'Is the table confirmed?',
        client_id: clientId,
      });
      const ack = await client.until(() => client.of('ack')[0]);
      expect(ack).toEqual({
        type: 'ack',
        client_id: clientId,
        message: expect.objectContaining({ seq: 2, sender_type: 'user', client_id: clientId }),
      });
      const [seen] = await staff.untilMessages(1);
      expect(seen).toEqual(ack.message);
      expect((await client.untilMessages(1))[0]).toEqual(ack.message);

      staff.send({ type: 'typing', is_typing: true });
      const typing = await client.until(() => client.of('typing')[0]);
      expect(typing).toEqual({ type: 'typing', user_id: agent.id, is_typing: true });
      staff.send({ type: 'message.send', content: 'Yes, 8 pm ✅', client_id: newId() });
      await client.untilMessages(2);
      expect(client.messages.map((m) => [m.seq, m.sender_type])).toEqual([
        [2, 'user'],
        [3, 'admin'],
      ]);
      expect(staff.of('typing')).toHaveLength(0); // not to the one typing

      client.send({ type: 'read', seq: 3 });
      const read = await staff.until(() => staff.of('read')[0]);
      expect(read).toEqual({ type: 'read', user_id: layla.id, seq: 3 });
      client.send({ type: 'read', seq: 2 }); // backwards: stored nothing, told nobody
      client.send({ type: 'ping' });
      await client.until(() => client.of('pong')[0]);
      const { rows } = await sql.query(
        'SELECT last_read_seq FROM conversations.read_states WHERE conversation_id = $1 AND user_id = $2',
        [conversationId, layla.id],
      );
      expect(rows).toEqual([{ last_read_seq: 3 }]);
      expect(staff.of('read')).toHaveLength(1);

      // A sender's messages keep the order it sent them in.
      const burst = Array.from({ length: 20 }, (_, i) => `in order ${i}`);
      for (const content of burst) client.send({ type: 'message.send', content });
      const acks = await client.until(() => {
        const found = client.of('ack').slice(1);
        return found.length === 20 ? found : undefined;
      });
      expect(acks.map((a) => a.message.content)).toEqual(burst);
      expect(acks.map((a) => a.message.seq)).toEqual(burst.map((_, i) => 4 + i));

      // The HTTP fallback reaches the sockets too.
      await post(admin, conversationId, 'From the desk');
      await client.untilMessages(23);
      await staff.untilMessages(23);
    });

    it('refuses the handshake: 401 bad or missing token, 404 not theirs or absent, 400 bad after_seq', async () => {
      const { conversationId } = await openConversation(replica.baseUrl, layla);
      const refused = (promise: Promise<unknown>) =>
        promise.then(
          () => {
            throw new Error('connected');
          },
          (error) => error as { status: number; body: string },
        );
      expect((await refused(connect(conversationId, undefined))).status).toBe(401);
      const bad = await refused(
        ChatClient.connect(replica.wsUrl, conversationId, undefined, { query: 'token=abc' }),
      );
      expect(bad.status).toBe(401);
      expect(JSON.parse(bad.body)).toEqual({ detail: expect.any(String), code: 'invalid_token' });
      const other = await refused(connect(conversationId, omar));
      expect(other.status).toBe(404);
      expect(JSON.parse(other.body).code).toBe('conversation_not_found');
      expect((await refused(connect(newId(), layla))).status).toBe(404);
      expect((await refused(connect('nope', layla))).status).toBe(404);
      for (const afterSeq of ['-1', '2147483648', '9999999999', '99999999999']) {
        const query = `token=${layla.token}&after_seq=${afterSeq}`;
        const outOfRange = await refused(
          ChatClient.connect(replica.wsUrl, conversationId, undefined, { query }),
        );
        expect({ afterSeq, status: outOfRange.status, body: JSON.parse(outOfRange.body) }).toEqual({
          afterSeq,
          status: 400,
          body: { detail: 'after_seq must be an integer from 0 to 2147483647', code: 'validation' },
        });
      }
      const malformed = await refused(connect('%zz', layla));
      expect(malformed.status).toBe(404);
      expect(JSON.parse(malformed.body)).toEqual({ detail: 'Not found', code: 'not_found' });
      // The largest seq is taken: there is simply nothing after it.
      await connect(conversationId, layla, { afterSeq: 2147483647 });
    });

    it('answers bad frames with an error frame and keeps the connection', async () => {
      const { conversationId } = await openConversation(replica.baseUrl, layla);
      const client = await connect(conversationId, layla);
      const frames: [unknown, string][] = [
        ['not json', 'malformed_json'],
        [[1, 2], 'invalid_frame'],
        [{ type: 'dance' }, 'unknown_type'],
        [{ type: 'message.send', content: '   ' }, 'empty_content'],
        [{ type: 'message.send', content: 'x'.repeat(4001) }, 'content_too_long'],
        [{ type: 'message.send', content: 'x', client_id: 'c1' }, 'invalid_frame'],
        [{ type: 'message.send', content: 'x', sender_id: agent.id }, 'invalid_frame'],
        [{ type: 'typing', is_typing: 'yes' }, 'invalid_frame'],
        [{ type: 'read', seq: 0 }, 'invalid_frame'],
        [{ type: 'read', seq: 99 }, 'invalid_seq'],
        [{ type: 'message.send', content: 'a\u0000b' }, 'unstorable_text'],
      ];
      for (const [frame, code] of frames) {
        const before = client.of('error').length;
        client.send(frame);
        const error = await client.until(() => client.of('error')[before]);
        // A frame with a client_id has it named in its error (the sender stops sending it).
        const named =
          typeof frame === 'object' && frame !== null && 'client_id' in frame
            ? { client_id: (frame as { client_id: string }).client_id }
            : {};
        expect(error).toEqual({ type: 'error', code, detail: expect.any(String), ...named });
      }
      client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
      await client.until(() => client.of('error')[frames.length]);
      // A frame of 16 KiB is never "oversized": an ordinary error answer, connection open.
      client.send({ type: 'message.send', content: 'y'.repeat(16 * 1024 - 100) });
      const tooLong = await client.until(() => client.of('error')[frames.length + 1]);
      expect(tooLong.code).toBe('content_too_long');
      client.send({ type: 'message.send', content: 'still here' });
      await client.untilMessages(1);
      expect(client.closeCode).toBeUndefined();
    });

    it("closes a revoked session's connections and those of a user whose access changed, no others", async () => {
      // Accounts of this test's own: the others' sessions must stay usable.
      const client = await harness.account('user');
      const clientElsewhere = await harness.account('user', client.id);
      const staffer = await harness.account('agent');
      const { conversationId } = await openConversation(replica.baseUrl, client);
      const ended = await connect(conversationId, client);
      const otherSession = await connect(conversationId, clientElsewhere);
      const staff = await connect(conversationId, staffer);
      const revocations = harness.revocations();
      try {
        await revocations.publisher.sessionRevoked({
          sessionId: client.sessionId,
          userId: client.id,
          at: new Date(),
        });
        expect(await ended.whenClosed()).toBe(1008);
        expect(ended.closeReason).toBe('session revoked');

        await revocations.publisher.accessChanged({
          userId: staffer.id,
          role: 'user',
          tier: 5000,
          at: new Date(),
        });
        expect(await staff.whenClosed()).toBe(1008);
        expect(staff.closeReason).toBe('access changed');
        otherSession.send({ type: 'ping' });
        await otherSession.until(() => otherSession.of('pong').length === 1);
        expect(otherSession.closeCode).toBeUndefined();

        // The revoked token cannot open a new one either.
        const refused = (await connect(conversationId, client).catch(
          (error: unknown) => error,
        )) as { status: number; body: string };
        expect(refused.status).toBe(401);
        expect(JSON.parse(refused.body)).toMatchObject({ code: 'session_revoked' });
      } finally {
        await revocations.close();
      }
    });

    it('closes with 1009 beyond 64 KiB and with 1008 when flooded', async () => {
      const { conversationId } = await openConversation(replica.baseUrl, layla);
      const big = await connect(conversationId, layla);
      big.send({ type: 'ping', pad: 'z'.repeat(70 * 1024) });
      expect(await big.whenClosed()).toBe(1009);

      const flood = await connect(conversationId, layla);
      for (let i = 0; i < 400; i++) flood.send({ type: 'ping' });
      expect(await flood.whenClosed()).toBe(1008);
      // Every frame within the allowance was answered before the close; none after it.
      expect(flood.of('pong').length).toBeGreaterThanOrEqual(200);
      expect(flood.of('pong').length).toBeLessThan(400);

      // 200 at once are fine.
      const burst = await connect(conversationId, layla);
      for (let i = 0; i < 200; i++) burst.send({ type: 'ping' });
      await burst.until(() => burst.of('pong').length === 200);
      expect(burst.closeCode).toBeUndefined();
    });

    it('resumes after a disconnect with exactly the missed messages, while the other side keeps sending', async () => {
      const { conversationId } = await openConversation(replica.baseUrl, layla);
      const staff = await connect(conversationId, agent);
      let client = await connect(conversationId, layla, { afterSeq: 0 });
      await client.untilMessages(1);
      let sent = 0;
      const sendSome = async (n: number) => {
        for (let i = 0; i < n; i++) {
          staff.send({ type: 'message.send', content: `note ${++sent}`, client_id: newId() });
        }
      };
      await sendSome(5);
      await client.untilMessages(6);
      const lastSeen = client.messages.at(-1).seq;
      await client.close();

      // Messages go on while the client is away, and while it reconnects.
      await sendSome(20);
      const sending = (async () => {
        for (let i = 0; i < 10; i++) {
          await sendSome(3);
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      })();
      client = await connect(conversationId, layla, { afterSeq: lastSeen });
      await sending;
      const total = 1 + sent;
      await staff.untilMessages(sent);
      const resumed = await client.untilMessages(total - lastSeen);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(client.messages.map((m) => m.seq)).toEqual(
        Array.from({ length: total - lastSeen }, (_, i) => lastSeen + 1 + i),
      );
      expect(resumed[0].seq).toBe(lastSeen + 1);
    });

    it('drops a peer that stops answering heartbeats', async () => {
      const { conversationId } = await openConversation(replica.baseUrl, layla);
      const client = await connect(conversationId, layla);
      // Stop answering pings: ws answers them automatically, so silence the socket's pong.
      (client.ws as any).pong = () => undefined;
      (client.ws as any)._receiver.removeAllListeners('ping');
      expect(await client.whenClosed()).toBe(1006);
    });
  });

  it('counts chat connections, refusals and closes in /metrics', async () => {
    const { conversationId } = await openConversation(replica.baseUrl, layla);
    await connect(conversationId, layla);
    // The sockets of the tests before close on the server side a moment after the client's.
    const text = await waitFor(async () => {
      const body = await (await fetch(`${replica.baseUrl}/metrics`)).text();
      return /^ajla_chat_connections\{[^}]*\} 1$/m.test(body) ? body : undefined;
    });
    expect(text).toMatch(/^ajla_chat_handshakes_refused_total\{[^}]*status="401"[^}]*\} \d+$/m);
    // One flood, one revoked session, one access change (the tests above).
    expect(text).toMatch(/^ajla_chat_disconnections_total\{[^}]*code="1008"[^}]*\} 3$/m);
  });

  it('reports ready (Postgres, RabbitMQ, Redis, the revocation feed) and serves its OpenAPI document', async () => {
    const ready = await call('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(Object.keys(ready.body.checks)).toEqual(
      expect.arrayContaining(['postgres', 'rabbitmq', 'redis', 'session_revocations']),
    );
    const docs = await call('GET', '/docs-json');
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/conversations/{id}',
        '/api/v1/messages',
        '/internal/conversations/{id}',
      ]),
    );
  });
});
