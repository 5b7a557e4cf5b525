// The floor the start-up benchmark compares each service with: a bare Node process that loads
// Fastify, pg, amqplib and ioredis, connects to Postgres, RabbitMQ and Redis, then listens, and
// answers 200 on /health/ready. What any Node service of this stack pays before it is ready; no
// Nest, no TypeORM, no validation, no migrations, no topology check.
//
//   DATABASE_URL=... RABBITMQ_URL=... REDIS_URL=... \
//     node tmp/bench-build-run-startup/bench/baseline/startup-server.js --port N
//
// It closes its connections and exits on SIGTERM/SIGINT.
import { parseArgs } from 'node:util';
import amqplib from 'amqplib';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { Client } from 'pg';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });
  const env = process.env;
  const postgres = new Client({
    connectionString: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  const [, rabbitmq] = await Promise.all([
    postgres.connect(),
    amqplib.connect(env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672'),
    redis.connect(),
  ]);
  const app = Fastify();
  app.get('/health/ready', async () => ({ status: 'ok' }));
  await app.listen({ port: Number(values.port), host: '127.0.0.1' });
  const stop = async () => {
    await app.close();
    await Promise.allSettled([postgres.end(), rabbitmq.close(), redis.quit()]);
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(`startup-server: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
