import amqplib, { type GetMessage, type Options } from 'amqplib';
import {
  DEAD_LETTER_REASON_HEADER,
  FAILED_AT_HEADER,
  FAILED_BY_HEADER,
  LAST_ERROR_HEADER,
  ORIGINAL_ROUTING_KEY_HEADER,
  RETRY_COUNT_HEADER,
  copyPublishOptions,
  headerText,
  retryCountOf,
} from '../amqp/message-headers';
import { type ConfirmedPublisher, RoutedCopies } from '../amqp/routed-copies';
import { type ConsumerQueues, consumerQueues } from '../amqp/topology';

/** A message parked in a service's dead-letter queue, as an operator sees it. */
export interface DeadLetter {
  /** The event id (AMQP `message_id`); null for a stray message without one. */
  id: string | null;
  type: string | null;
  routingKey: string | null;
  failedAt: string | null;
  /** `handler_failed`, `malformed_json`, `contract_violation`, or null (dead-lettered by the broker). */
  reason: string | null;
  lastError: string | null;
  /** Retries it went through before it was parked. */
  retries: number;
  /** Times this message has been delivered from the dead-letter queue (reads by this tool included). */
  deliveries: number;
  /** Its AMQP headers, anything that may be a credential hidden. */
  headers: Record<string, unknown>;
  /** The body as sent (an envelope, or whatever could not be parsed). */
  body: string;
}

/** Headers that may carry a credential: shown as `[hidden]`, never printed. */
const SECRET_HEADER = /authorization|cookie|token|secret|password|api[-_]?key|credential/i;

/** Headers of its failure and of the broker: a replayed message starts afresh. */
const DROPPED_ON_REPLAY = new Set([
  RETRY_COUNT_HEADER,
  LAST_ERROR_HEADER,
  DEAD_LETTER_REASON_HEADER,
  FAILED_AT_HEADER,
  FAILED_BY_HEADER,
  'x-death',
  'x-delivery-count',
  'x-first-death-exchange',
  'x-first-death-queue',
  'x-first-death-reason',
  'x-last-death-exchange',
  'x-last-death-queue',
  'x-last-death-reason',
]);

export const REPLAYED_AT_HEADER = 'x-replayed-at';

/**
 * Reads and replays a service's dead-letter queue (`<service>.events.dlq`) without losing
 * anything: messages are taken with `basic.get` and manual acks, and every one not replayed is
 * given back when the channel closes (unacknowledged), so it stays in the queue. A replayed
 * message is sent to the service's own queue (`<service>.events`, through the default exchange:
 * only this service gets it again) and acked in the dead-letter queue only once the broker has
 * confirmed the copy. A crash in between leaves it in both: the consumer's inbox makes the
 * second handling a no-op.
 */
export class DeadLetterQueue {
  readonly queues: ConsumerQueues;

  constructor(
    private readonly url: string,
    serviceName: string,
  ) {
    this.queues = consumerQueues(serviceName);
  }

  /** The first `limit` parked messages, oldest first, and how many there are in all. */
  async list(limit: number): Promise<{ total: number; letters: DeadLetter[] }> {
    return this.session(async (take, total) => {
      const letters: DeadLetter[] = [];
      for (let i = 0; i < Math.min(limit, total); i += 1) {
        const message = await take();
        if (message === false) break;
        letters.push(describe(message));
      }
      return { total, letters };
    });
  }

  /** The parked message of this event id, if there is one. */
  async find(id: string): Promise<DeadLetter | undefined> {
    return this.session(async (take, total) => {
      for (let i = 0; i < total; i += 1) {
        const message = await take();
        if (message === false) return undefined;
        if (message.properties.messageId === id) return describe(message);
      }
      return undefined;
    });
  }

  /**
   * Replays the parked messages `which` selects (among those there now: one that comes back
   * while this runs is not taken twice). Resolves to the replayed ones.
   */
  async replay(which: (letter: DeadLetter) => boolean): Promise<DeadLetter[]> {
    return this.session(async (take, total, replay) => {
      const replayed: DeadLetter[] = [];
      for (let i = 0; i < total; i += 1) {
        const message = await take();
        if (message === false) break;
        const letter = describe(message);
        if (!which(letter)) continue;
        await replay(message);
        replayed.push(letter);
      }
      return replayed;
    });
  }

  /**
   * A connection and confirm channel for one command. What it took and did not replay goes back
   * to the queue when the channel closes (unacknowledged); a quorum queue makes them ready again
   * a moment later, so the command ends only once they are (at most a few seconds): the next
   * command then sees them all. Fails clearly when the broker or the queue is not there.
   */
  private async session<T>(
    work: (
      take: () => Promise<GetMessage | false>,
      total: number,
      replay: (message: GetMessage) => Promise<void>,
    ) => Promise<T>,
  ): Promise<T> {
    let connection: amqplib.ChannelModel;
    try {
      connection = await amqplib.connect(this.url, { timeout: 10_000 });
    } catch (error) {
      throw new DeadLetterQueueError(`Cannot connect to RabbitMQ: ${messageOf(error)}`);
    }
    connection.on('error', () => undefined);
    const queue = this.queues.deadLetter;
    try {
      const channel = await connection.createConfirmChannel();
      channel.on('error', () => undefined);
      const copies = new RoutedCopies();
      copies.watch(channel);
      // Published, then confirmed (or refused) with everything before it.
      const confirmed: ConfirmedPublisher = {
        publish: async (exchange, routingKey, content, options) => {
          channel.publish(exchange, routingKey, content, options);
          await channel.waitForConfirms();
        },
      };
      let total: number;
      try {
        total = (await channel.checkQueue(queue)).messageCount;
      } catch (error) {
        throw new DeadLetterQueueError(
          `No queue ${queue} on this broker (the service has never consumed here?): ${messageOf(error)}`,
        );
      }
      let taken = 0;
      let replayed = 0;
      const result = await work(
        async () => {
          const message = await channel.get(queue, { noAck: false });
          if (message !== false) taken += 1;
          return message;
        },
        total,
        async (message) => {
          // Mandatory: a replay no binding routes fails here, and the dead letter stays parked.
          await copies
            .publish(
              confirmed,
              this.queues.copies,
              this.queues.main,
              message.content,
              replayOptions(message),
            )
            .catch((error: unknown) => {
              throw new DeadLetterQueueError(
                `Cannot replay ${message.properties.messageId ?? '(no id)'}: ${messageOf(error)}`,
              );
            });
          channel.ack(message);
          replayed += 1;
        },
      );
      await channel.close();
      // Everything that was there, but what was replayed (and what arrived meanwhile).
      if (taken > replayed) await this.whenReady(connection, total - replayed);
      return result;
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  /** Waits (at most 5 s) until `count` messages are ready in the dead-letter queue again. */
  private async whenReady(connection: amqplib.ChannelModel, count: number): Promise<void> {
    const channel = await connection.createChannel();
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const { messageCount } = await channel.checkQueue(this.queues.deadLetter);
      if (messageCount >= count) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await channel.close();
  }
}

/** The broker or the queue is not there: the operator's to fix (no stack needed). */
export class DeadLetterQueueError extends Error {
  override name = 'DeadLetterQueueError';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(message: GetMessage): DeadLetter {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
    headers[name] = SECRET_HEADER.test(name)
      ? '[hidden]'
      : Buffer.isBuffer(value)
        ? value.toString('utf8')
        : value;
  }
  const deliveryCount: unknown = message.properties.headers?.['x-delivery-count'];
  const type: unknown = message.properties.type;
  return {
    id: typeof message.properties.messageId === 'string' ? message.properties.messageId : null,
    type: typeof type === 'string' ? type : null,
    routingKey:
      headerText(message, ORIGINAL_ROUTING_KEY_HEADER) ?? (typeof type === 'string' ? type : null),
    failedAt: headerText(message, FAILED_AT_HEADER) ?? null,
    reason: headerText(message, DEAD_LETTER_REASON_HEADER) ?? null,
    lastError: headerText(message, LAST_ERROR_HEADER) ?? null,
    retries: retryCountOf(message),
    deliveries: typeof deliveryCount === 'number' ? deliveryCount : 0,
    headers,
    body: message.content.toString('utf8'),
  };
}

/** The message as it was first published: same id, type, trace headers, body; failure headers gone. */
function replayOptions(message: GetMessage): Options.Publish {
  const headers: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message.properties.headers ?? {})) {
    if (!DROPPED_ON_REPLAY.has(name)) headers[name] = value;
  }
  headers[REPLAYED_AT_HEADER] = new Date().toISOString();
  return copyPublishOptions(message, headers);
}
