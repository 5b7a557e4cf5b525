import amqplib, { type Channel, type ChannelModel } from 'amqplib';
import { RABBITMQ_URL, uniqueName, waitFor } from '../../test/harness';
import {
  TopologyMissingError,
  checkConsumerTopology,
  consumerQueues,
  declareConsumerTopology,
  declareExchange,
} from './topology';

jest.setTimeout(20_000);

describe('topology (real RabbitMQ)', () => {
  let connection: ChannelModel;
  let channel: Channel;
  const exchange = uniqueName('ajla_t.events');
  const serviceName = uniqueName('t-topology');
  const queues = consumerQueues(serviceName);
  const topology = {
    exchange,
    serviceName,
    routingKeys: ['request.submitted', 'request.assigned'],
    retryDelaysMs: [100, 300],
  };

  beforeAll(async () => {
    connection = await amqplib.connect(RABBITMQ_URL);
    channel = await connection.createChannel();
  });

  afterAll(async () => {
    const cleaner = await connection.createChannel();
    for (const queue of [queues.main, queues.deadLetter, queues.retry(100), queues.retry(300)]) {
      await cleaner.deleteQueue(queue);
    }
    await cleaner.deleteExchange(queues.copies);
    await cleaner.deleteExchange(exchange);
    await connection.close();
  });

  it('declares everything, and declaring it again changes nothing', async () => {
    await declareConsumerTopology(channel, topology);
    await declareConsumerTopology(channel, topology);
    await declareExchange(channel, exchange);
    for (const queue of [queues.main, queues.deadLetter, queues.retry(100), queues.retry(300)]) {
      await expect(channel.checkQueue(queue)).resolves.toMatchObject({ queue, messageCount: 0 });
    }
  });

  it('finds a missing topology with passive checks, naming what is missing', async () => {
    const missing = await connection.createChannel();
    missing.on('error', () => undefined);
    await expect(
      checkConsumerTopology(missing, { ...topology, serviceName: uniqueName('t-nobody') }),
    ).rejects.toThrow(TopologyMissingError);
    await expect(checkConsumerTopology(channel, topology)).resolves.toBeUndefined();
  });

  it("routes a copy sent through the service's copies exchange to the queue it names", async () => {
    for (const queue of [queues.main, queues.deadLetter]) {
      channel.publish(queues.copies, queue, Buffer.from(queue), { persistent: true });
      const got = await waitFor(async () => channel.get(queue, { noAck: true }), 5000, 10);
      expect(got.content.toString()).toBe(queue);
    }
  });

  it('routes the bound keys, and only those, to the service queue', async () => {
    channel.publish(exchange, 'request.submitted', Buffer.from('a'), { persistent: true });
    channel.publish(exchange, 'request.assigned', Buffer.from('b'), { persistent: true });
    channel.publish(exchange, 'user.registered', Buffer.from('c'), { persistent: true });
    const got: string[] = [];
    await waitFor(async () => {
      const message = await channel.get(queues.main, { noAck: true });
      if (message) got.push(message.content.toString());
      return got.length === 2;
    });
    expect(got.sort()).toEqual(['a', 'b']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await channel.get(queues.main)).toBe(false);
  });

  it('sends a message put in a retry queue back to the service queue after that delay', async () => {
    const sent = Date.now();
    channel.publish(queues.copies, queues.retry(300), Buffer.from('later'), {
      persistent: true,
      headers: { 'x-retry-count': 1 },
    });
    const back = await waitFor(async () => channel.get(queues.main, { noAck: true }), 5000, 10);
    expect(Date.now() - sent).toBeGreaterThanOrEqual(250);
    expect(back.content.toString()).toBe('later');
    expect(back.properties.headers?.['x-retry-count']).toBe(1);
  });

  it('gives a message the consumers keep giving back to the dead-letter queue in the end', async () => {
    channel.publish(exchange, 'request.submitted', Buffer.from('poison'), { persistent: true });
    // A consumer that crashes on it, again and again (requeue), as a process that dies would.
    const parked = await waitFor(
      async () => {
        const message = await channel.get(queues.main);
        if (message) channel.nack(message, false, true);
        return channel.get(queues.deadLetter, { noAck: true });
      },
      10_000,
      1,
    );
    expect(parked.content.toString()).toBe('poison');
  });
});
