import { EVENT_SUBSCRIPTIONS } from '@ajla/contracts';
import type { Channel } from 'amqplib';

/** The queues of one consuming service. */
export interface ConsumerQueues {
  /** `<service>.events`: quorum, bound to the routing keys of the service's handlers. */
  readonly main: string;
  /** `<service>.events.dlq`: quorum; where a message ends after its last retry, or at once if invalid. */
  readonly deadLetter: string;
  /** `<service>.events.retry.<delay>` for each back-off delay. */
  retry(delayMs: number): string;
}

const SERVICE_NAME = /^[a-z0-9][a-z0-9._-]{0,100}$/;

export function consumerQueues(serviceName: string): ConsumerQueues {
  if (!SERVICE_NAME.test(serviceName)) {
    throw new Error(`Invalid service name "${serviceName}" for queue names`);
  }
  const main = `${serviceName}.events`;
  return {
    main,
    deadLetter: `${main}.dlq`,
    retry: (delayMs) => `${main}.retry.${delayMs}`,
  };
}

/**
 * A quorum queue redelivers a message that its consumers gave back (a crash, a lost channel)
 * at most this often before dead-lettering it: a message that kills the process cannot loop for
 * ever. Handler failures do not count here: they go through the retry queues.
 */
export const DELIVERY_LIMIT = 20;

/** The events exchange: durable topic. Declaring it again is a no-op. */
export async function declareExchange(channel: Channel, exchange: string): Promise<void> {
  await channel.assertExchange(exchange, 'topic', { durable: true });
}

export interface ConsumerTopology {
  exchange: string;
  serviceName: string;
  routingKeys: readonly string[];
  retryDelaysMs: readonly number[];
}

/**
 * Everything a consuming service needs, declared idempotently (at every connect, so a broker that
 * lost it gets it back):
 * - the exchange;
 * - `<service>.events`, a durable quorum queue bound to each routing key; a message the broker
 *   itself gives up on (delivery limit) goes to the dead-letter queue;
 * - one classic durable queue per back-off delay, `x-message-ttl` = the delay, whose expired
 *   messages go back to `<service>.events` through the default exchange (a queue-wide TTL: every
 *   message of such a queue waits the same time, so expiry keeps the queue's order);
 * - `<service>.events.dlq`, a durable quorum queue.
 *
 * The arguments of an existing queue cannot change: the broker refuses a declaration that differs
 * (PRECONDITION_FAILED), and the service reports it (readiness, logs) until the queue is fixed.
 * Bindings of routing keys no handler takes any more are not removed (unbind by hand).
 */
export async function declareConsumerTopology(
  channel: Channel,
  topology: ConsumerTopology,
): Promise<void> {
  const queues = consumerQueues(topology.serviceName);
  await declareExchange(channel, topology.exchange);
  await channel.assertQueue(queues.deadLetter, {
    durable: true,
    arguments: { 'x-queue-type': 'quorum' },
  });
  await channel.assertQueue(queues.main, {
    durable: true,
    arguments: {
      'x-queue-type': 'quorum',
      'x-delivery-limit': DELIVERY_LIMIT,
      'x-dead-letter-exchange': '',
      'x-dead-letter-routing-key': queues.deadLetter,
    },
  });
  for (const routingKey of new Set(topology.routingKeys)) {
    await channel.bindQueue(queues.main, topology.exchange, routingKey);
  }
  for (const delayMs of new Set(topology.retryDelaysMs)) {
    await channel.assertQueue(queues.retry(delayMs), {
      durable: true,
      arguments: {
        'x-queue-type': 'classic',
        'x-message-ttl': delayMs,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': queues.main,
      },
    });
  }
}

export interface EventTopology {
  exchange: string;
  retryDelaysMs: readonly number[];
  /** Consuming service => the routing keys its queue binds. Default: `EVENT_SUBSCRIPTIONS`. */
  subscriptions?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The whole topology: the exchange and every consuming service's queues, as each service declares
 * its own (`declareConsumerTopology`, same arguments), so that an event published before its
 * consumer ever started waits in that consumer's queue. Idempotent. Returns the services declared.
 */
export async function declareEventTopology(
  channel: Channel,
  topology: EventTopology,
): Promise<string[]> {
  const subscriptions = topology.subscriptions ?? EVENT_SUBSCRIPTIONS;
  await declareExchange(channel, topology.exchange);
  for (const [serviceName, routingKeys] of Object.entries(subscriptions)) {
    await declareConsumerTopology(channel, {
      exchange: topology.exchange,
      serviceName,
      routingKeys,
      retryDelaysMs: topology.retryDelaysMs,
    });
  }
  return Object.keys(subscriptions);
}
