// The first half of the notification benchmark's baseline: a bare HTTP server (node:http, no
// framework, no auth, no database) that publishes each submitted request to RabbitMQ with
// amqplib and answers 201 once the broker has confirmed it.
//
//   RABBITMQ_URL=amqp://... node tmp/bench-build/bench/baseline/notification-api.js \
//     --exchange bench.events [--port 0]
//
// POST /requests {type, description} -> publishes `request.submitted` {id, type, data:
// {request_id, type, description}} to the exchange (topic, durable) as a persistent message on a
// confirm channel, waits for that message's confirm, then 201 {"id": "<request id>"}.
// Prints one JSON line {"ready": true, "port": N} when it listens; exits on SIGTERM/SIGINT.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import amqplib from 'amqplib';

const ROUTING_KEY = 'request.submitted';
const BODY_LIMIT = 64 * 1024;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      exchange: { type: 'string', default: 'bench.events' },
      /** The consumer's, passed to both halves; unused here. */
      queue: { type: 'string', default: '' },
    },
  });
  const exchange = values.exchange;
  const connection = await amqplib.connect(
    process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    { clientProperties: { connection_name: 'bench-baseline-api' } },
  );
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(exchange, 'topic', { durable: true });

  const publish = (body: { type: string; description: string }) =>
    new Promise<string>((resolve, reject) => {
      const requestId = randomUUID();
      const event = {
        id: randomUUID(),
        type: ROUTING_KEY,
        occurred_at: new Date().toISOString(),
        data: { request_id: requestId, type: body.type, description: body.description },
      };
      channel.publish(
        exchange,
        ROUTING_KEY,
        Buffer.from(JSON.stringify(event)),
        {
          persistent: true,
          contentType: 'application/json',
          messageId: event.id,
        },
        (err) => (err ? reject(new Error('not confirmed by the broker')) : resolve(requestId)),
      );
    });

  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/requests') {
      return reply(res, 404, { detail: 'not found' });
    }
    readJson(req)
      .then((body) => {
        const { type, description } = (body ?? {}) as Record<string, unknown>;
        if (typeof type !== 'string' || typeof description !== 'string') {
          return reply(res, 400, { detail: 'type and description are strings' });
        }
        return publish({ type, description }).then((id) => reply(res, 201, { id }));
      })
      .catch((err: Error) => reply(res, 500, { detail: err.message }));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(Number(values.port), '127.0.0.1', resolve));
  console.log(JSON.stringify({ ready: true, port: (server.address() as AddressInfo).port }));

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    server.close();
    connection
      .close()
      .catch(() => undefined)
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

main().catch((err) => {
  console.error(`baseline api: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
