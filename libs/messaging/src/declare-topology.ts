// The topology step: `node dist/libs/messaging/src/declare-topology.js`. Declares the events
// exchange and every consuming service's queues, bindings, retry and dead-letter queues (from
// EVENT_SUBSCRIPTIONS in @ajla/contracts) before any service starts, so no event is published to
// a queue that does not exist yet. Idempotent. Reads RABBITMQ_URL, EVENTS_EXCHANGE and
// CONSUMER_RETRY_DELAYS_MS like the services (the same values: a service checks at start that the
// exchange and each of its queues are there, and reports what is missing). It is the only part of
// the platform that declares anything: the services' users have no right to (tools/provision.js).
// Exits 0 once declared, 1 otherwise.
import 'reflect-metadata';
import { loadConfig } from '@ajla/platform';
import amqplib from 'amqplib';
import { declareEventTopology } from './amqp/topology';
import { MessagingConfig, parseRetryDelays } from './config/messaging.config';

/** Broker not there yet (a container still starting): tries again for this long. */
const CONNECT_FOR_MS = 60_000;

async function connect(url: string): Promise<amqplib.ChannelModel> {
  const deadline = Date.now() + CONNECT_FOR_MS;
  for (;;) {
    try {
      return await amqplib.connect(url, {
        clientProperties: { connection_name: 'declare-topology' },
      });
    } catch (error) {
      // Only a broker not reachable yet (ECONNREFUSED, ENOTFOUND...) is worth waiting for; a
      // refused login or vhost is not.
      const reachable = !/^E[A-Z]+$/.test(String((error as { code?: unknown }).code));
      if (reachable || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function main(): Promise<number> {
  const config = loadConfig(MessagingConfig);
  const connection = await connect(config.RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    const services = await declareEventTopology(channel, {
      exchange: config.EVENTS_EXCHANGE,
      retryDelaysMs: parseRetryDelays(config.CONSUMER_RETRY_DELAYS_MS),
    });
    process.stdout.write(
      `declare-topology: exchange ${config.EVENTS_EXCHANGE} and the queues of ${services.join(', ')} declared\n`,
    );
    return 0;
  } finally {
    await connection.close().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // A ConfigError never echoes the URL; neither does amqplib's error message.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`declare-topology failed: ${message}\n`);
    process.exit(1);
  },
);
