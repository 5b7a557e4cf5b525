// The topology step: `node dist/libs/messaging/src/declare-topology.js`. Declares the events
// exchange and every consuming service's queues, bindings, retry and dead-letter queues (from
// EVENT_SUBSCRIPTIONS in @ajla/contracts) before any service starts, so no event is published to
// a queue that does not exist yet. Idempotent. Reads RABBITMQ_URL, EVENTS_EXCHANGE and
// CONSUMER_RETRY_DELAYS_MS like the services (the same values: a service checks at start that the
// exchange and each of its queues are there, and reports what is missing). It is the only part of
// the platform that declares anything: the services' users have no right to (tools/provision.js).
// Exits 0 once declared, 1 otherwise. (`runTopologyStep` in topology-step.ts does the work.)
import { runTopologyStep } from './topology-step';

runTopologyStep().then(
  ({ exchange, services }) => {
    process.stdout.write(
      `declare-topology: exchange ${exchange} and the queues of ${services.join(', ')} declared\n`,
    );
    process.exit(0);
  },
  (error: unknown) => {
    // A ConfigError never echoes the URL; neither does amqplib's error message.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`declare-topology failed: ${message}\n`);
    process.exit(1);
  },
);
