// The topology step itself, for the process that runs it: `declare-topology.js` (compose, Kubernetes,
// the e2e set-up) as a process of its own, tools/run-platform.js (`npm run up`) in its own process.
// It loads only what it needs (the config loader, not the whole platform library): in a process of
// its own it starts in a quarter of a second rather than a whole second.
import 'reflect-metadata';
import { loadConfig } from '@ajla/platform/config';
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

/**
 * Declares the events exchange and every consuming service's queues with RABBITMQ_URL,
 * EVENTS_EXCHANGE and CONSUMER_RETRY_DELAYS_MS of `env`, validated like the services' (a
 * `ConfigError` never echoes the URL). Resolves to what it declared.
 */
export async function runTopologyStep(
  env: Record<string, string | undefined> = process.env,
): Promise<{ exchange: string; services: string[] }> {
  const config = loadConfig(MessagingConfig, env);
  const connection = await connect(config.RABBITMQ_URL);
  try {
    const channel = await connection.createChannel();
    const services = await declareEventTopology(channel, {
      exchange: config.EVENTS_EXCHANGE,
      retryDelaysMs: parseRetryDelays(config.CONSUMER_RETRY_DELAYS_MS),
    });
    return { exchange: config.EVENTS_EXCHANGE, services };
  } finally {
    await connection.close().catch(() => undefined);
  }
}
