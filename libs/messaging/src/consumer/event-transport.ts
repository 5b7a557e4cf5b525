import type { EventEnvelope } from '@ajla/contracts';
import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { ConsumerQueues } from '../amqp/topology';
import type { EventContext } from './event-context';
import { EventConsumer, type EventConsumerOptions, type HandleEvent } from './event-consumer';

export type EventTransportOptions = Omit<EventConsumerOptions, 'handlers'>;

type SettledListener = NonNullable<EventConsumerOptions['onSettled']>;

/**
 * Serves the `@EventPattern` handlers of a Nest application from the service's queue
 * (`<service>.events`), through `EventConsumer`: manual acks after the commit, each handler inside
 * the transaction that records the event in the inbox (`@Ctx() context: EventContext`), retries
 * with back-off, then the dead-letter queue. The stock RMQ transport does none of that by itself
 * (it acks on receipt by default, has no inbox and no retry or dead-letter topology).
 *
 * The patterns are the routing keys the queue is bound to; with `routingKeys` (the service's
 * `subscriptionsOf`), `listen` refuses patterns that differ from it. One handler per key, events
 * only (an event has no reply to give).
 */
export class EventTransport extends Server implements CustomTransportStrategy {
  // Failures are this transport's business (retry, dead-letter, log): Nest need not log them.
  override readonly propagatesEventHandlerErrors = true;
  private consumer?: EventConsumer;
  private readonly settledListeners = new Set<SettledListener>();

  constructor(private readonly options: EventTransportOptions) {
    super();
  }

  /**
   * Checks the queues the topology step declared and consumes; `callback(error)` if the patterns
   * are wrong.
   */
  listen(callback: (error?: unknown) => void): void {
    let consumer: EventConsumer;
    try {
      consumer = new EventConsumer({
        ...this.options,
        handlers: this.eventHandlers(),
        onSettled: (outcome, message) => {
          this.options.onSettled?.(outcome, message);
          for (const listener of this.settledListeners) listener(outcome, message);
        },
      });
    } catch (error) {
      callback(error);
      return;
    }
    this.consumer = consumer;
    consumer.start().then(() => callback(), callback);
  }

  /** Stops taking deliveries and lets the ones in hand finish and be acked (idempotent). */
  async close(): Promise<void> {
    await this.consumer?.stop();
  }

  on(): never {
    throw new Error('EventTransport emits no events: see problem() for its state');
  }

  /**
   * Calls `listener` with what became of each delivery from now on (tests: an event the
   * service's filter ignored leaves no row to wait for); returns how to stop.
   */
  watchSettled(listener: SettledListener): () => void {
    this.settledListeners.add(listener);
    return () => this.settledListeners.delete(listener);
  }

  /** The `EventConsumer` behind it (once listening). */
  unwrap<T = EventConsumer>(): T {
    if (!this.consumer) throw new Error('EventTransport is not listening');
    return this.consumer as T;
  }

  /** Null when consuming; otherwise why not (readiness). */
  problem(): string | null {
    return this.consumer ? this.consumer.problem() : 'not started';
  }

  /** Resolves once it consumes (tests, start-up checks); rejects after `timeoutMs`. */
  async whenConsuming(timeoutMs = 10_000): Promise<void> {
    return this.unwrap<EventConsumer>().whenConsuming(timeoutMs);
  }

  /** Its queues (named after the service). */
  get queues(): ConsumerQueues {
    return this.unwrap<EventConsumer>().queues;
  }

  /** Deliveries being handled right now. */
  get inProgress(): number {
    return this.consumer?.inProgress ?? 0;
  }

  private eventHandlers(): Map<string, HandleEvent> {
    const handlers = new Map<string, HandleEvent>();
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler) {
        throw new Error(`@MessagePattern('${pattern}'): events have no reply, use @EventPattern`);
      }
      // Nest would run a second handler of the key concurrently, in the same transaction.
      if (handler.next) {
        throw new Error(`'${pattern}' has more than one @EventPattern handler: keep one per key`);
      }
      handlers.set(pattern, (event, context) => this.run(handler, event, context));
    }
    return handlers;
  }

  /**
   * The handler as Nest wrapped it (guards, interceptors, pipes, filters), settled: it resolves
   * when the handler did, and rejects with its error (the platform's exception filter hands an
   * RPC error back unchanged). A filter or interceptor that turned the error into a value would
   * make the event count as handled.
   */
  private async run(
    handler: MessageHandler,
    event: EventEnvelope,
    context: EventContext,
  ): Promise<void> {
    const result: unknown = await handler(event, context);
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }
}
