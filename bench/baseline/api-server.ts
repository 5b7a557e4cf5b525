// The floor the HTTP and socket benchmarks compare the services with: a bare Fastify + pg + jose
// server answering the same routes as request-service and conversation-service with the same work
// per request and none of the platform (no Nest, no TypeORM, no validation layer, no outbox relay,
// no gateway): the same ES256 access-token check with jose (header, claims, a revoked-session map
// lookup), then the same statements against tables of the same shape, in a database of its own.
//
//   BENCH_JWT_PUBLIC_KEY=<SPKI PEM> node tmp/bench-build-run-http/bench/baseline/api-server.js \
//     [--port 0] [--pool 10] [--token-cache]
//
// --token-cache: a token that passed is kept by its exact text until its exp, at most 60 s and
// 10,000 tokens, as @ajla/auth's AccessTokenVerifier keeps them; without it every request checks
// the ES256 signature (the bare route).
//
// It prints one JSON line {"ready": true, "port": N, "database": "..."} when it listens, and drops
// its database on SIGTERM/SIGINT. Routes (API.md's shapes, snake_case):
//   GET  /health/live
//   POST /api/v1/requests              client: the request and its event in one statement, then
//                                      its conversation and opening message in another
//   GET  /api/v1/requests/{id}         its client or staff: one SELECT by primary key
//   GET  /api/v1/requests              client: a page newest first and the count (two statements)
//   GET  /api/v1/admin/requests        staff: a page oldest first and the count
//   GET  /api/v1/conversations/{id}    participant or staff: the conversation, then limit+1 messages
//   POST /api/v1/messages              participant or staff: seq, message and event in one
//                                      statement, then a `message` frame to every socket of it
//   WS   /ws/chat/{id}?token=          participant or staff: token and conversation checked at the
//                                      handshake; the socket then only receives
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { importSPKI, jwtVerify, type CryptoKey } from 'jose';
import { Pool } from 'pg';
import WebSocket, { WebSocketServer } from 'ws';
import { createDatabase } from './server';

/** The services' tables (requests, conversations, messages, outbox_messages), same columns and indexes. */
const SCHEMA = `
  CREATE TABLE requests (
    id              uuid        PRIMARY KEY,
    user_id         uuid        NOT NULL,
    type            text        NOT NULL,
    description     text        NOT NULL,
    status          text        NOT NULL DEFAULT 'new',
    assignee_id     uuid,
    conversation_id uuid        NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CHECK (type IN ('travel', 'dining', 'events', 'shopping')),
    CHECK (status IN ('new', 'assigned', 'in_progress', 'fulfilled', 'cancelled')),
    CHECK (char_length(description) BETWEEN 1 AND 5000)
  );
  CREATE INDEX ON requests (user_id, created_at DESC, id DESC);
  CREATE INDEX ON requests (created_at, id);
  CREATE INDEX ON requests (status, created_at, id);
  CREATE INDEX ON requests (assignee_id, created_at, id);
  CREATE TABLE conversations (
    id         uuid        PRIMARY KEY,
    request_id uuid        NOT NULL UNIQUE,
    user_id    uuid        NOT NULL,
    last_seq   integer     NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL
  );
  CREATE INDEX ON conversations (user_id, created_at DESC);
  CREATE TABLE messages (
    id              uuid        PRIMARY KEY,
    conversation_id uuid        NOT NULL REFERENCES conversations (id),
    seq             integer     NOT NULL,
    sender_id       uuid,
    sender_type     text        NOT NULL,
    content         text        NOT NULL,
    client_id       uuid,
    created_at      timestamptz NOT NULL,
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, client_id)
  );
  CREATE TABLE outbox_messages (
    id           uuid        PRIMARY KEY,
    seq          bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    routing_key  text        NOT NULL,
    envelope     json        NOT NULL,
    headers      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz,
    attempts     integer     NOT NULL DEFAULT 0,
    last_error   text
  );
  CREATE INDEX ON outbox_messages (seq) WHERE published_at IS NULL;`;

const REQUEST_COLUMNS =
  'id, user_id, type, description, status, assignee_id, conversation_id, created_at, updated_at';
const MESSAGE_COLUMNS =
  'id, conversation_id, seq, sender_id, sender_type, content, client_id, created_at';

/** The request and its `request.submitted` event: one autocommitted statement, as request-service. */
const INSERT_REQUEST = `
  WITH added AS (
    INSERT INTO requests (${REQUEST_COLUMNS})
    VALUES ($1, $2, $3, $4, 'new', NULL, $5, $6, $6)
    RETURNING ${REQUEST_COLUMNS}
  ), event AS (
    INSERT INTO outbox_messages (id, routing_key, envelope)
    SELECT $7, 'request.submitted', $8::json FROM added
  )
  SELECT * FROM added`;

/** The conversation, its opening message and their events, as conversation-service starts one. */
const START_CONVERSATION = `
  WITH started AS (
    INSERT INTO conversations (id, request_id, user_id, last_seq, created_at)
    VALUES ($1, $2, $3, 1, $4) ON CONFLICT (id) DO NOTHING RETURNING id
  ), opening AS (
    INSERT INTO messages (${MESSAGE_COLUMNS})
    SELECT $5, started.id, 1, $3, 'user', $6, NULL, $4 FROM started
  ), events AS (
    INSERT INTO outbox_messages (id, routing_key, envelope)
    SELECT e.id, e.key, $7::json FROM started,
      (VALUES ($8::uuid, 'conversation.started'), ($9::uuid, 'message.created')) AS e (id, key)
  )
  SELECT id FROM started`;

/** The next seq, the message and its event in one statement, as conversation-service appends. */
const APPEND_MESSAGE = `
  WITH s AS (
    UPDATE conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq
  ), added AS (
    INSERT INTO messages (${MESSAGE_COLUMNS})
    SELECT $2, $1, s.last_seq, $3, $4, $5, $6, now() FROM s
    RETURNING ${MESSAGE_COLUMNS}
  ), event AS (
    INSERT INTO outbox_messages (id, routing_key, envelope)
    SELECT $7, 'message.created', row_to_json(added) FROM added
  )
  SELECT * FROM added`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REQUEST_TYPES = new Set(['travel', 'dining', 'events', 'shopping']);
const STAFF = new Set(['agent', 'admin']);

interface Caller {
  id: string;
  role: string;
  sessionId: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    detail: string,
  ) {
    super(detail);
  }
}

export interface ApiBaseline {
  port: number;
  database: string;
  close(): Promise<void>;
}

export async function startApiBaseline(options: {
  publicKeyPem: string;
  port?: number;
  poolSize?: number;
  tokenCache?: boolean;
}): Promise<ApiBaseline> {
  const publicKey = await importSPKI(options.publicKeyPem, 'ES256');
  /** Sessions revoked: empty, but looked up at every check as the services' list is. */
  const revokedSessions = new Map<string, number>();
  /** With --token-cache: tokens that passed, by their text, with when to check them again. */
  const checked = new Map<string, { caller: Caller; iat: number; until: number }>();
  const verify = async (header: string | undefined): Promise<Caller> => {
    const token = header?.startsWith('Bearer ') ? header.slice(7) : '';
    const now = Date.now();
    let known = options.tokenCache ? checked.get(token) : undefined;
    if (!known || known.until <= now) {
      const passed = await verifyAccessToken(publicKey, token);
      known = { ...passed, until: Math.min(passed.exp * 1000, now + 60_000) };
      if (options.tokenCache) {
        if (checked.size >= 10_000) checked.delete(checked.keys().next().value!);
        checked.set(token, known);
      }
    }
    const revokedAt = revokedSessions.get(known.caller.sessionId);
    if (revokedAt !== undefined && known.iat <= revokedAt) {
      throw new HttpError(401, 'session revoked');
    }
    return known.caller;
  };

  const db = await createDatabase('ajla_t_bench_api');
  const pool = new Pool({ connectionString: db.url, max: options.poolSize ?? 10 });
  pool.on('error', () => undefined);
  await pool.query(SCHEMA);

  /** Open sockets per conversation. */
  const rooms = new Map<string, Set<WebSocket>>();
  const app = Fastify({ logger: false });

  const handle =
    <R>(fn: (req: FastifyRequest, caller: Caller) => Promise<[number, R]>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        const caller = await verify(req.headers.authorization);
        const [status, body] = await fn(req, caller);
        return reply.code(status).send(body);
      } catch (err) {
        const status = err instanceof HttpError ? err.status : 500;
        return reply.code(status).send({ detail: (err as Error).message });
      }
    };

  app.get('/health/live', async () => ({ status: 'ok' }));

  app.post(
    '/api/v1/requests',
    handle(async (req, caller) => {
      if (caller.role !== 'user') throw new HttpError(403, 'clients only');
      const body = (req.body ?? {}) as { type?: unknown; description?: unknown };
      const description = typeof body.description === 'string' ? body.description.trim() : '';
      if (typeof body.type !== 'string' || !REQUEST_TYPES.has(body.type)) {
        throw new HttpError(400, 'type: travel, dining, events or shopping');
      }
      if (description.length < 1 || description.length > 5000) {
        throw new HttpError(400, 'description: 1..5000 characters');
      }
      const now = new Date();
      const id = randomUUID();
      const conversationId = randomUUID();
      const { rows } = await pool.query(INSERT_REQUEST, [
        id,
        caller.id,
        body.type,
        description,
        conversationId,
        now,
        randomUUID(),
        JSON.stringify({ id, user_id: caller.id, type: body.type, description }),
      ]);
      await pool.query(START_CONVERSATION, [
        conversationId,
        id,
        caller.id,
        now,
        randomUUID(),
        description,
        JSON.stringify({ conversation_id: conversationId, request_id: id, user_id: caller.id }),
        randomUUID(),
        randomUUID(),
      ]);
      return [201, requestOf(rows[0])];
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/requests/:id',
    handle(async (req, caller) => {
      const { id } = req.params as { id: string };
      if (!UUID.test(id)) throw new HttpError(404, 'no such request');
      const { rows } = await pool.query(`SELECT ${REQUEST_COLUMNS} FROM requests WHERE id = $1`, [
        id,
      ]);
      const row = rows[0];
      if (!row || (!STAFF.has(caller.role) && row.user_id !== caller.id)) {
        throw new HttpError(404, 'no such request');
      }
      return [200, requestOf(row)];
    }),
  );

  const page = (query: unknown) => {
    const q = query as { page?: string; page_size?: string };
    const n = Number(q.page ?? 1);
    const size = Number(q.page_size ?? 20);
    if (!Number.isInteger(n) || n < 1 || !Number.isInteger(size) || size < 1 || size > 100) {
      throw new HttpError(400, 'page >= 1, page_size 1..100');
    }
    return { page: n, pageSize: size };
  };
  const list = async (where: string, args: unknown[], order: string, query: unknown) => {
    const { page: n, pageSize } = page(query);
    const [rows, count] = await Promise.all([
      pool.query(
        `SELECT ${REQUEST_COLUMNS} FROM requests ${where} ORDER BY ${order} ` +
          `LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
        [...args, pageSize, (n - 1) * pageSize],
      ),
      pool.query<{ n: string }>(`SELECT count(*) AS n FROM requests ${where}`, args),
    ]);
    return {
      items: rows.rows.map(requestOf),
      total: Number(count.rows[0].n),
      page: n,
      page_size: pageSize,
    };
  };

  app.get(
    '/api/v1/requests',
    handle(async (req, caller) => {
      if (caller.role !== 'user') throw new HttpError(403, 'clients only');
      return [
        200,
        await list('WHERE user_id = $1', [caller.id], 'created_at DESC, id DESC', req.query),
      ];
    }),
  );

  app.get(
    '/api/v1/admin/requests',
    handle(async (req, caller) => {
      if (!STAFF.has(caller.role)) throw new HttpError(403, 'staff only');
      return [200, await list('', [], 'created_at, id', req.query)];
    }),
  );

  /** The conversation if the caller may see it (its client or staff), else a 404. */
  const visibleConversation = async (id: string, caller: Caller) => {
    if (!UUID.test(id)) throw new HttpError(404, 'no such conversation');
    const { rows } = await pool.query(
      'SELECT id, request_id, user_id, last_seq, created_at FROM conversations WHERE id = $1',
      [id],
    );
    const row = rows[0];
    if (!row || (!STAFF.has(caller.role) && row.user_id !== caller.id)) {
      throw new HttpError(404, 'no such conversation');
    }
    return row as { id: string; request_id: string; user_id: string; created_at: Date };
  };

  app.get(
    '/api/v1/conversations/:id',
    handle(async (req, caller) => {
      const conversation = await visibleConversation((req.params as { id: string }).id, caller);
      const q = req.query as { after_seq?: string; limit?: string };
      const afterSeq = Number(q.after_seq ?? 0);
      const limit = Number(q.limit ?? 50);
      if (!Number.isInteger(afterSeq) || afterSeq < 0 || !Number.isInteger(limit)) {
        throw new HttpError(400, 'after_seq >= 0, limit 1..200');
      }
      if (limit < 1 || limit > 200) throw new HttpError(400, 'limit 1..200');
      const { rows } = await pool.query(
        `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq > $2
         ORDER BY seq LIMIT $3`,
        [conversation.id, afterSeq, limit + 1],
      );
      return [
        200,
        {
          id: conversation.id,
          request_id: conversation.request_id,
          user_id: conversation.user_id,
          created_at: conversation.created_at,
          messages: rows.slice(0, limit),
          has_more: rows.length > limit,
        },
      ];
    }),
  );

  app.post(
    '/api/v1/messages',
    handle(async (req, caller) => {
      const body = (req.body ?? {}) as {
        conversation_id?: unknown;
        content?: unknown;
        client_id?: unknown;
      };
      const content = typeof body.content === 'string' ? body.content.trim() : '';
      const clientId = typeof body.client_id === 'string' ? body.client_id : null;
      if (content.length < 1 || content.length > 4000 || (clientId && !UUID.test(clientId))) {
        throw new HttpError(400, 'content 1..4000 characters, client_id a UUID');
      }
      const conversation = await visibleConversation(String(body.conversation_id), caller);
      const { rows } = await pool.query(APPEND_MESSAGE, [
        conversation.id,
        randomUUID(),
        caller.id,
        STAFF.has(caller.role) ? 'admin' : 'user',
        content,
        clientId,
        randomUUID(),
      ]);
      const message = rows[0];
      const frame = JSON.stringify({ type: 'message', message });
      for (const socket of rooms.get(conversation.id) ?? []) {
        if (socket.readyState === WebSocket.OPEN) socket.send(frame);
      }
      return [201, message];
    }),
  );

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
  };
  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://baseline');
    const match = /^\/ws\/chat\/([^/]+)$/.exec(url.pathname);
    if (!match) {
      refuse(socket, '404 Not Found');
      return;
    }
    verify(`Bearer ${url.searchParams.get('token') ?? ''}`)
      .then((caller) => visibleConversation(match[1], caller))
      .then(
        (conversation) =>
          wss.handleUpgrade(req, socket, head, (ws) => {
            let room = rooms.get(conversation.id);
            if (!room) rooms.set(conversation.id, (room = new Set()));
            room.add(ws);
            ws.on('close', () => room.delete(ws));
          }),
        (err: unknown) =>
          refuse(
            socket,
            err instanceof HttpError && err.status === 404 ? '404 Not Found' : '401 Unauthorized',
          ),
      );
  });

  await app.listen({ port: options.port ?? 0, host: '127.0.0.1' });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    database: db.name,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await app.close();
      await pool.end();
      await db.drop();
    },
  };
}

/** The access-token check of @ajla/auth (signature, type, claims), done with jose. */
async function verifyAccessToken(
  key: CryptoKey,
  token: string,
): Promise<{ caller: Caller; iat: number; exp: number }> {
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['ES256'],
      typ: 'at+jwt',
      issuer: 'ajla-user-service',
      audience: 'ajla',
      clockTolerance: 30,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    const { sub, role, tier, sid, iat, exp, token_use } = payload;
    if (token_use !== 'access' || !sub || typeof role !== 'string' || !Number.isInteger(tier)) {
      throw new Error('not an access token');
    }
    if (typeof sid !== 'string' || sid === '') throw new Error('no session id');
    return { caller: { id: sub, role, sessionId: sid }, iat: iat ?? 0, exp: exp ?? 0 };
  } catch {
    throw new HttpError(401, 'invalid token');
  }
}

function requestOf(row: Record<string, unknown>) {
  return {
    id: row.id,
    user_id: row.user_id,
    type: row.type,
    description: row.description,
    status: row.status,
    assignee_id: row.assignee_id,
    conversation_id: row.conversation_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      pool: { type: 'string', default: '10' },
      'token-cache': { type: 'boolean', default: false },
    },
  });
  const publicKeyPem = process.env.BENCH_JWT_PUBLIC_KEY;
  if (!publicKeyPem) throw new Error('BENCH_JWT_PUBLIC_KEY (an SPKI PEM) is required');
  const server = await startApiBaseline({
    publicKeyPem,
    port: Number(values.port),
    poolSize: Number(values.pool),
    tokenCache: values['token-cache'],
  });
  console.log(JSON.stringify({ ready: true, port: server.port, database: server.database }));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err) => {
        console.error(`api baseline: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`api baseline: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
