// The second half of the notification benchmark's baseline: an amqplib consumer that turns each
// `request.submitted` into one row per staff member, written in ONE INSERT statement (its own
// commit) to Postgres, then pushes each row as JSON on its recipient's WebSocket(s), held by a
// bare `ws` server in this process, and acks the message. No framework, no auth.
//
//   RABBITMQ_URL=amqp://... node tmp/bench-build/bench/baseline/notification-consumer.js \
//     --exchange bench.events --queue bench.notifications [--port 0] [--pool 10] [--prefetch 32]
//
// It creates a fresh database, prints one JSON line {"ready": true, "port": N, "database": "..."}
// once it consumes and listens, and drops the database on SIGTERM/SIGINT.
//
// HTTP: POST /staff -> 201 {"id": "<uuid>"}: a staff member (kept in memory) told of every request.
// WebSocket: GET /ws/notifications?token=<staff id> -> {"type": "notification", "notification":
// {id, type, title, body, data, read_at, created_at}} per row stored for that staff member.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import amqplib, { type ConsumeMessage } from 'amqplib';
import { Pool } from 'pg';
import WebSocket, { WebSocketServer } from 'ws';
import { createDatabase } from './server';

/** What the API needs of a notification: its id, once per event and recipient, a person's list. */
const SCHEMA = `
  CREATE TABLE bench_notifications (
    id           uuid        PRIMARY KEY,
    recipient_id uuid        NOT NULL,
    event_id     uuid        NOT NULL,
    type         text        NOT NULL,
    title        text        NOT NULL,
    body         text        NOT NULL,
    data         jsonb       NOT NULL,
    read_at      timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, recipient_id)
  );
  CREATE INDEX bench_notifications_recipient ON bench_notifications (recipient_id, created_at DESC, id DESC);`;

/** Every recipient of one event in one statement (and one commit); a redelivery adds nothing. */
const INSERT = `
  INSERT INTO bench_notifications (id, recipient_id, event_id, type, title, body, data)
  SELECT n.id, n.recipient_id, $1, $2, $3, $4, $5
    FROM unnest($6::uuid[], $7::uuid[]) AS n (id, recipient_id)
  ON CONFLICT (event_id, recipient_id) DO NOTHING
  RETURNING id, recipient_id, type, title, body, data, read_at, created_at`;

interface Row {
  id: string;
  recipient_id: string;
  type: string;
  title: string;
  body: string;
  data: unknown;
  read_at: Date | null;
  created_at: Date;
}

interface SubmittedEvent {
  id: string;
  type: string;
  data: { request_id: string; type: string; description: string };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      pool: { type: 'string', default: '10' },
      prefetch: { type: 'string', default: '32' },
      exchange: { type: 'string', default: 'bench.events' },
      queue: { type: 'string', default: 'bench.notifications' },
    },
  });
  const db = await createDatabase('ajla_t_bench_notify_baseline');
  const pool = new Pool({ connectionString: db.url, max: Number(values.pool) });
  pool.on('error', () => undefined);
  await pool.query(SCHEMA);

  /** Staff ids in the order they were made, and their open sockets. */
  const staff: string[] = [];
  const sockets = new Map<string, Set<WebSocket>>();

  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/staff') {
      const id = randomUUID();
      staff.push(id);
      sockets.set(id, new Set());
      return reply(res, 201, { id });
    }
    reply(res, 404, { detail: 'not found' });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://baseline');
    const own = sockets.get(url.searchParams.get('token') ?? '');
    if (url.pathname !== '/ws/notifications' || !own) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      own.add(ws);
      ws.on('close', () => own.delete(ws));
    });
  });

  const connection = await amqplib.connect(
    process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    { clientProperties: { connection_name: 'bench-baseline-consumer' } },
  );
  const channel = await connection.createChannel();
  await channel.assertExchange(values.exchange, 'topic', { durable: true });
  await channel.assertQueue(values.queue, { durable: true });
  await channel.bindQueue(values.queue, values.exchange, 'request.submitted');
  await channel.prefetch(Number(values.prefetch));

  const handle = async (message: ConsumeMessage) => {
    const event = JSON.parse(message.content.toString('utf8')) as SubmittedEvent;
    const { rows } = await pool.query<Row>(INSERT, [
      event.id,
      event.type,
      `New ${event.data.type} request`,
      event.data.description.slice(0, 140),
      JSON.stringify({ request_id: event.data.request_id }),
      staff.map(() => randomUUID()),
      staff,
    ]);
    for (const row of rows) {
      const { recipient_id: recipient, ...notification } = row;
      const frame = JSON.stringify({ type: 'notification', notification });
      for (const ws of sockets.get(recipient) ?? []) {
        if (ws.readyState === WebSocket.OPEN) ws.send(frame);
      }
    }
  };
  await channel.consume(values.queue, (message) => {
    if (!message) return;
    handle(message).then(
      () => channel.ack(message),
      (err: Error) => {
        console.error(`baseline consumer: ${err.message}`);
        channel.nack(message, false, true);
      },
    );
  });

  await new Promise<void>((resolve) => server.listen(Number(values.port), '127.0.0.1', resolve));
  console.log(
    JSON.stringify({
      ready: true,
      port: (server.address() as AddressInfo).port,
      database: db.name,
    }),
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const close = async () => {
      await connection.close().catch(() => undefined);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
      await db.drop();
    };
    close().then(
      () => process.exit(0),
      (err) => {
        console.error(`baseline consumer: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

main().catch((err) => {
  console.error(`baseline consumer: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
