// The floor the chat benchmark compares the platform with: a bare `ws` server (no framework, no
// auth) speaking the chat frames of API.md that the load generator uses, with one Postgres
// statement per message that assigns the seq and inserts, then `ack` to the sender and `message`
// to every socket of the conversation on this process.
//
//   node tmp/bench-build/bench/baseline/server.js [--port 0] [--pool 10]
//
// It creates a fresh database (its own schema in it), prints one JSON line
// {"ready": true, "port": N, "database": "..."} when it listens, and drops the database on
// SIGTERM/SIGINT.
//
// HTTP: POST /conversations -> 201 {"id": "<uuid>"}.
// WebSocket: GET /ws/chat/{id}?token=<user|admin>:<uuid>; the token is not verified, it only
// names the sender (sender_type and sender_id). 404 for a conversation it did not make.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Client, Pool } from 'pg';
import WebSocket, { WebSocketServer } from 'ws';

/** The storage the API needs for a message: its id, (conversation, seq) and (conversation, client_id) unique. */
const SCHEMA = `
  CREATE TABLE bench_conversations (
    id         uuid        PRIMARY KEY,
    last_seq   integer     NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE bench_messages (
    id              uuid        PRIMARY KEY,
    conversation_id uuid        NOT NULL REFERENCES bench_conversations (id),
    seq             integer     NOT NULL,
    sender_id       uuid        NOT NULL,
    sender_type     text        NOT NULL,
    content         text        NOT NULL,
    client_id       uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (conversation_id, seq),
    UNIQUE (conversation_id, client_id)
  );`;

/** The one statement per message: take the next seq (row lock on the conversation) and insert. */
const INSERT_MESSAGE = `
  WITH s AS (
    UPDATE bench_conversations SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq
  )
  INSERT INTO bench_messages (id, conversation_id, seq, sender_id, sender_type, content, client_id)
  SELECT $2, $1, s.last_seq, $3, $4, $5, $6 FROM s
  RETURNING id, conversation_id, seq, sender_id, sender_type, content, client_id, created_at`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface BaselineServer {
  port: number;
  database: string;
  close(): Promise<void>;
}

interface Sender {
  id: string;
  type: 'user' | 'admin';
}

export async function startBaselineServer(
  options: { port?: number; poolSize?: number } = {},
): Promise<BaselineServer> {
  const db = await createDatabase();
  const pool = new Pool({ connectionString: db.url, max: options.poolSize ?? 10 });
  // An idle connection that dies (e.g. when the database is dropped at the end) is not fatal.
  pool.on('error', () => undefined);
  await pool.query(SCHEMA);

  /** Open sockets per conversation (the conversations this process made). */
  const rooms = new Map<string, Set<WebSocket>>();

  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/conversations') {
      createConversation(res).catch((err) => reply(res, 500, { detail: String(err) }));
    } else {
      reply(res, 404, { detail: 'not found' });
    }
  });
  const createConversation = async (res: ServerResponse) => {
    const id = randomUUID();
    await pool.query('INSERT INTO bench_conversations (id) VALUES ($1)', [id]);
    rooms.set(id, new Set());
    reply(res, 201, { id });
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://baseline');
    const match = /^\/ws\/chat\/([^/]+)$/.exec(url.pathname);
    const room = match ? rooms.get(match[1]) : undefined;
    if (!match || !room) {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const sender = senderOf(url.searchParams.get('token'));
    wss.handleUpgrade(req, socket, head, (ws) => {
      room.add(ws);
      ws.on('close', () => room.delete(ws));
      ws.on('message', (data) => onFrame(ws, match[1], room, sender, data.toString()));
    });
  });

  const onFrame = (
    ws: WebSocket,
    conversationId: string,
    room: Set<WebSocket>,
    sender: Sender,
    text: string,
  ) => {
    let frame: { type?: unknown; content?: unknown; client_id?: unknown };
    try {
      frame = JSON.parse(text);
    } catch {
      return sendError(ws, 'bad_frame', 'frames are JSON objects');
    }
    if (frame.type === 'ping') return ws.send('{"type":"pong"}');
    if (frame.type !== 'message.send') return sendError(ws, 'bad_frame', 'unknown frame type');
    const content = typeof frame.content === 'string' ? frame.content.trim() : '';
    const clientId = typeof frame.client_id === 'string' ? frame.client_id : null;
    if (
      content.length < 1 ||
      content.length > 4000 ||
      (clientId !== null && !UUID.test(clientId))
    ) {
      return sendError(ws, 'bad_frame', 'content is 1..4000 characters, client_id a UUID');
    }
    pool
      .query(INSERT_MESSAGE, [
        conversationId,
        randomUUID(),
        sender.id,
        sender.type,
        content,
        clientId,
      ])
      .then(({ rows }) => {
        const message = rows[0];
        if (ws.readyState === WebSocket.OPEN) {
          ws.send(JSON.stringify({ type: 'ack', client_id: clientId, message }));
        }
        const frameText = JSON.stringify({ type: 'message', message });
        for (const peer of room) if (peer.readyState === WebSocket.OPEN) peer.send(frameText);
      })
      .catch((err: Error) => sendError(ws, 'internal', err.message));
  };

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    database: db.name,
    close: async () => {
      for (const client of wss.clients) client.close(1001);
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
      await db.drop();
    },
  };
}

/**
 * A fresh database on the server of TEST_POSTGRES_URL (default: local trust auth), like
 * @ajla/testing's createTestDatabase, which this process does not import: it stays framework-free.
 */
export async function createDatabase(
  prefix = 'ajla_t_bench_baseline',
): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const adminUrl = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `${prefix}_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

function senderOf(token: string | null): Sender {
  const [type, id] = (token ?? '').split(':');
  return {
    type: type === 'admin' ? 'admin' : 'user',
    id: id && UUID.test(id) ? id : randomUUID(),
  };
}

function sendError(ws: WebSocket, code: string, detail: string): void {
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'error', code, detail }));
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      pool: { type: 'string', default: '10' },
    },
  });
  const server = await startBaselineServer({
    port: Number(values.port),
    poolSize: Number(values.pool),
  });
  console.log(JSON.stringify({ ready: true, port: server.port, database: server.database }));
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      (err) => {
        console.error(`baseline: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`baseline: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
