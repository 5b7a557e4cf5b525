import { randomUUID } from 'node:crypto';
import type { ConsumeMessage, Options } from 'amqplib';

/** Names each copy, so that the broker's return of it can be matched to its publish. */
export const COPY_ID_HEADER = 'x-copy-id';

/** Publishes and resolves once the broker confirmed (a channel wrapper's `publish` does). */
export interface ConfirmedPublisher {
  publish(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
  ): Promise<unknown>;
}

/** The broker confirmed a copy it could not route: no queue is bound for it. */
export class UnroutableCopyError extends Error {
  constructor(exchange: string, routingKey: string) {
    super(
      `no queue is bound to ${exchange} for ${routingKey}: run the topology step (the copy was not stored)`,
    );
  }
}

/**
 * Publishes copies through a service's copies exchange (a consumer's retry and dead-letter copies,
 * a replay of a dead letter) `mandatory`, so that a copy the broker cannot route fails instead of
 * vanishing. A confirm alone would not tell: RabbitMQ confirms an
 * unroutable message as soon as it has dropped it, and the original would then be acked, the event
 * lost for good. A binding missing on the service's copies exchange (deleted by hand,
 * a topology step not run after an upgrade) is invisible to a passive check; this makes it a
 * failed publish: the original goes back to its queue, and the log says what to do.
 *
 * The broker sends the return before the confirm, on the same channel: by the time a publish is
 * confirmed, its return (if any) has been seen.
 */
export class RoutedCopies {
  /** Copies in flight, by id: true once returned. */
  private readonly inFlight = new Map<string, boolean>();

  /** Hooks a (new) channel of the wrapper: called from its setup, after every reconnection. */
  watch(channel: {
    on(event: 'return', listener: (message: ConsumeMessage) => void): unknown;
  }): void {
    channel.on('return', (message: ConsumeMessage) => {
      const id = message.properties.headers?.[COPY_ID_HEADER];
      if (typeof id === 'string' && this.inFlight.has(id)) this.inFlight.set(id, true);
    });
  }

  /** Resolves once the broker has stored the copy in a queue; rejects otherwise. */
  async publish(
    wrapper: ConfirmedPublisher,
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
  ): Promise<void> {
    const id = randomUUID();
    this.inFlight.set(id, false);
    try {
      await wrapper.publish(exchange, routingKey, content, {
        ...options,
        mandatory: true,
        headers: { ...options.headers, [COPY_ID_HEADER]: id },
      });
      if (this.inFlight.get(id)) throw new UnroutableCopyError(exchange, routingKey);
    } finally {
      this.inFlight.delete(id);
    }
  }
}
