import { EVENT_SUBSCRIPTIONS } from '@ajla/contracts';
import amqplib, { type Channel } from 'amqplib';

/** The queues of one consuming service. */
export interface ConsumerQueues {
  /** `<service>.events`: quorum, bound to the routing keys of the service's handlers. */
  readonly main: string;
  /** `<service>.events.dlq`: quorum; where a message ends after its last retry, or at once if invalid. */
  readonly deadLetter: string;
  /** `<service>.events.retry.<delay>` for each back-off delay. */
  retry(delayMs: number): string;
  /**
   * `<service>.events.copies`: the service's own direct exchange, bound to each of its queues by
   * the queue's name. Retry and dead-letter copies, and dead letters replayed, go through it, so
   * the service needs no right on the default exchange (which reaches every queue).
   */
  readonly copies: string;
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
    copies: `${main}.copies`,
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

/** What a service finds missing when the topology step has not run on its broker. */
export class TopologyMissingError extends Error {
  constructor(what: string, cause: unknown) {
    super(
      `${what} is not on the broker: run the topology step (node dist/libs/messaging/src/declare-topology.js) (${cause instanceof Error ? cause.message : String(cause)})`,
    );
    this.name = 'TopologyMissingError';
  }
}

/**
 * Checks that the events exchange is there (a passive declaration: it needs no permission, so a
 * service's user has no right to declare, or delete, the exchange). The topology step declares it.
 * The channel is closed by the broker when it is missing.
 */
export async function checkExchange(channel: Channel, exchange: string): Promise<void> {
  await channel
    .checkExchange(exchange)
    .catch((error: unknown) =>
      Promise.reject(new TopologyMissingError(`exchange ${exchange}`, error)),
    );
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
 * - `<service>.events.dlq`, a durable quorum queue;
 * - `<service>.events.copies`, a durable direct exchange bound to each of those queues by its name.
 *
 * It runs as the topology step's user (`declareEventTopology`), not as the service's: declaring a
 * queue whose dead letters go through the default exchange takes write on that exchange, which
 * would let a service publish into any queue. The service checks it all at connect
 * (`checkConsumerTopology`).
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
  await channel.assertExchange(queues.copies, 'direct', { durable: true });
  for (const queue of queuesOf(queues, topology.retryDelaysMs)) {
    await channel.bindQueue(queue, queues.copies, queue);
  }
}

function queuesOf(queues: ConsumerQueues, retryDelaysMs: readonly number[]): string[] {
  const retries = [...new Set(retryDelaysMs)].map((delayMs) => queues.retry(delayMs));
  return [queues.main, queues.deadLetter, ...retries];
}

/**
 * What a consuming service checks at every connect, with passive declarations (no permission
 * needed): the events exchange, its copies exchange and every queue of its topology. Throws
 * `TopologyMissingError` naming the first one missing (the broker then closes the channel).
 * Bindings cannot be checked this way: the topology step binds what `EVENT_SUBSCRIPTIONS` lists.
 */
export async function checkConsumerTopology(
  channel: Channel,
  topology: Pick<ConsumerTopology, 'exchange' | 'serviceName' | 'retryDelaysMs'>,
): Promise<void> {
  const queues = consumerQueues(topology.serviceName);
  await checkExchange(channel, topology.exchange);
  await channel
    .checkExchange(queues.copies)
    .catch((error: unknown) =>
      Promise.reject(new TopologyMissingError(`exchange ${queues.copies}`, error)),
    );
  for (const queue of queuesOf(queues, topology.retryDelaysMs)) {
    await channel
      .checkQueue(queue)
      .catch((error: unknown) => Promise.reject(new TopologyMissingError(`queue ${queue}`, error)));
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

/**
 * The topology step over a connection of its own: connects to `url`, declares everything
 * (`declareEventTopology`) and disconnects. For tests and benchmarks that start services on a
 * broker of their own, as `npm run up` does before the services start.
 */
export async function declareEventTopologyAt(
  url: string,
  topology: EventTopology,
): Promise<string[]> {
  const connection = await amqplib.connect(url);
  try {
    return await declareEventTopology(await connection.createChannel(), topology);
  } finally {
    await connection.close().catch(() => undefined);
  }
}
