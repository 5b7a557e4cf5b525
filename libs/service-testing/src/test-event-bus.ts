import { randomBytes } from 'node:crypto';
import { type ConsumingService, type EventEnvelope, subscriptionsOf } from '@ajla/contracts';
import { consumerQueues, declareConsumerTopology } from '@ajla/messaging';
import amqplib, { type Channel, type ChannelModel, type ConsumeMessage } from 'amqplib';
import { TEST_RABBITMQ_URL } from './service-app';

/** A consumer whose queues a test run made (its messaging name and retry delays). */
export interface TestConsumer {
  messagingName: string;
  retryDelaysMs: readonly number[];
}

/**
 * The events exchange of one test run (`ajla_t.events.<label>.<random>`), so runs never see each
 * other's events: give it to the service as `EVENTS_EXCHANGE`, publish on it the way a relay does,
 * tap what the service publishes, declare the consumer queues the service checks at start;
 * `close` removes it with those queues.
 */
export class TestEventBus {
  private constructor(
    readonly exchange: string,
    private readonly broker: ChannelModel,
    readonly channel: Channel,
  ) {}

  static async open(label: string, url = TEST_RABBITMQ_URL): Promise<TestEventBus> {
    const broker = await amqplib.connect(url);
    const channel = await broker.createChannel();
    const exchange = `ajla_t.events.${label}.${randomBytes(4).toString('hex')}`;
    await channel.assertExchange(exchange, 'topic', { durable: true });
    return new TestEventBus(exchange, broker, channel);
  }

  /**
   * Declares a consumer's queues on this exchange, bound to what `service` subscribes to, as the
   * topology step does before the service starts (the service only checks them).
   */
  async declareConsumer(consumer: TestConsumer, service: ConsumingService): Promise<void> {
    await declareConsumerTopology(this.channel, {
      exchange: this.exchange,
      serviceName: consumer.messagingName,
      routingKeys: subscriptionsOf(service),
      retryDelaysMs: consumer.retryDelaysMs,
    });
  }

  /** Every message published with a key one of `patterns` matches from now on, in arrival order. */
  async tap(...patterns: string[]): Promise<ConsumeMessage[]> {
    const received: ConsumeMessage[] = [];
    const { queue } = await this.channel.assertQueue('', { exclusive: true, autoDelete: true });
    for (const pattern of patterns) await this.channel.bindQueue(queue, this.exchange, pattern);
    await this.channel.consume(queue, (message) => message && received.push(message), {
      noAck: true,
    });
    return received;
  }

  /** Publishes an event the way a relay does. */
  publish(envelope: EventEnvelope): void {
    this.channel.publish(this.exchange, envelope.type, Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
      messageId: envelope.id,
      type: envelope.type,
      contentType: 'application/json',
    });
  }

  /** Whether the broker has a queue of that name (e.g. a consumer's, once it started). */
  async hasQueue(name: string): Promise<boolean> {
    const probe = await this.broker.createChannel();
    probe.on('error', () => undefined); // the broker closes the channel when there is none
    try {
      await probe.checkQueue(name);
      await probe.close();
      return true;
    } catch {
      return false;
    }
  }

  /** Deletes the queues of `consumers` (main, retry, dead-letter) and the exchange; disconnects. */
  async close(consumers: readonly TestConsumer[] = []): Promise<void> {
    for (const { messagingName, retryDelaysMs } of consumers) {
      const queues = consumerQueues(messagingName);
      for (const name of [queues.main, queues.deadLetter, ...retryDelaysMs.map(queues.retry)]) {
        await this.channel.deleteQueue(name).catch(() => undefined);
      }
      await this.channel.deleteExchange(queues.copies).catch(() => undefined);
    }
    await this.channel.deleteExchange(this.exchange).catch(() => undefined);
    await this.broker.close().catch(() => undefined);
  }
}
