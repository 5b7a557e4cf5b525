import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EVENTS_EXCHANGE, EVENT_SUBSCRIPTIONS, type RoutingKey } from '@ajla/contracts';
import amqplib, { type ChannelModel } from 'amqplib';
import {
  RABBITMQ_URL,
  RecordingHandler,
  aSubmittedEvent,
  testBed,
  waitFor,
  type TestBed,
  eventTransport,
  listen,
} from '../test/harness';
import { createAmqpConnection } from './amqp/connection';
import { DELIVERY_LIMIT, consumerQueues, declareEventTopology } from './amqp/topology';
import { DEFAULT_RETRY_DELAYS_MS, parseRetryDelays } from './config/messaging.config';
import { silentLogger } from './logger';
import { OutboxRelay } from './outbox/outbox-relay';

jest.setTimeout(30_000);

describe('the topology step (real Postgres and RabbitMQ)', () => {
  let bed: TestBed;

  beforeAll(async () => {
    bed = await testBed('topology_step');
  });

  afterAll(async () => {
    await bed?.close([100]);
  });

  it('keeps an event published before its consumer ever started, and the consumer gets it', async () => {
    await declareEventTopology(bed.channel, {
      exchange: bed.exchange,
      retryDelaysMs: [100],
      subscriptions: { [bed.serviceName]: ['request.submitted'] },
    });
    // The producer starts first and publishes: no consumer of the event has ever run.
    const relay = new OutboxRelay({
      dataSource: bed.dataSource,
      connection: bed.connection,
      exchange: bed.exchange,
      pollIntervalMs: 50,
      logger: silentLogger,
    });
    await relay.start();
    const event = aSubmittedEvent();
    try {
      await bed.commitEvents([event]);
      const queue = consumerQueues(bed.serviceName).main;
      await waitFor(async () => (await bed.channel.checkQueue(queue)).messageCount === 1);
    } finally {
      await relay.stop();
    }

    const handler = new RecordingHandler(['request.submitted']);
    const consumer = eventTransport({
      dataSource: bed.dataSource,
      connection: bed.connection,
      serviceName: bed.serviceName,
      exchange: bed.exchange,
      handlers: [handler],
      routingKeys: ['request.submitted'],
      retryDelaysMs: [100],
      logger: silentLogger,
    });
    try {
      await listen(consumer);
      await waitFor(async () => (await bed.effects()).length === 1);
      expect(handler.calls.map((call) => call.id)).toEqual([event.id]);
    } finally {
      await consumer.close();
    }
  });

  it('refuses handlers that do not take exactly the keys the queue binds', async () => {
    const consumerOf = (routingKeys: RoutingKey[], handled: RoutingKey[]) =>
      listen(
        eventTransport({
          dataSource: bed.dataSource,
          connection: bed.connection,
          serviceName: bed.serviceName,
          exchange: bed.exchange,
          handlers: [new RecordingHandler(handled)],
          routingKeys,
          logger: silentLogger,
        }),
      );
    await expect(
      consumerOf(['request.submitted', 'user.updated'], ['request.submitted']),
    ).rejects.toThrow('no handler takes user.updated');
    await expect(
      consumerOf(['request.submitted'], ['request.submitted', 'user.updated']),
    ).rejects.toThrow('not in its subscriptions: user.updated');
  });
});

describe("every service's own declaration agrees with the step's (a RabbitMQ vhost of its own)", () => {
  const vhost = `ajla_t_topology_${randomBytes(4).toString('hex')}`;
  const url = new URL(RABBITMQ_URL);
  url.pathname = `/${vhost}`;
  let bed: TestBed;
  let broker: ChannelModel;
  const retryDelaysMs = parseRetryDelays(DEFAULT_RETRY_DELAYS_MS);

  beforeAll(async () => {
    // The real queue names (`request-service.events`, ...) in a vhost no one else uses.
    execFileSync('rabbitmqctl', ['add_vhost', vhost], { stdio: 'ignore' });
    execFileSync(
      'rabbitmqctl',
      [
        'set_permissions',
        '-p',
        vhost,
        decodeURIComponent(url.username || 'guest'),
        '.*',
        '.*',
        '.*',
      ],
      { stdio: 'ignore' },
    );
    bed = await testBed('topology_agree');
    broker = await amqplib.connect(url.toString());
    broker.on('error', () => undefined);
  });

  afterAll(async () => {
    await broker?.close().catch(() => undefined);
    await bed?.close();
    execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'ignore' });
  });

  it('declares the queues of every consuming service; each service then declares the same without a conflict', async () => {
    const channel = await broker.createChannel();
    const declared = await declareEventTopology(channel, {
      exchange: EVENTS_EXCHANGE,
      retryDelaysMs,
    });
    expect(declared.sort()).toEqual(Object.keys(EVENT_SUBSCRIPTIONS).sort());
    // Twice: idempotent.
    await declareEventTopology(channel, { exchange: EVENTS_EXCHANGE, retryDelaysMs });

    const connection = createAmqpConnection({
      url: url.toString(),
      name: 'test topology agreement',
      logger: silentLogger,
    });
    try {
      for (const [serviceName, routingKeys] of Object.entries(EVENT_SUBSCRIPTIONS)) {
        const consumer = eventTransport({
          dataSource: bed.dataSource,
          connection,
          serviceName,
          exchange: EVENTS_EXCHANGE,
          handlers: [new RecordingHandler([...routingKeys])],
          routingKeys,
          retryDelaysMs,
          logger: silentLogger,
        });
        await listen(consumer);
        // A queue declared with other arguments would be refused here (PRECONDITION_FAILED).
        await consumer.whenConsuming();
        expect(consumer.problem()).toBeNull();
        await consumer.close();
        for (const queue of [
          consumerQueues(serviceName).main,
          consumerQueues(serviceName).deadLetter,
          ...retryDelaysMs.map(consumerQueues(serviceName).retry),
        ]) {
          await expect(channel.checkQueue(queue)).resolves.toMatchObject({ queue });
        }
      }
    } finally {
      await connection.close();
    }
  });

  it('is what makes the agreement matter: the broker refuses a queue declared again with other arguments', async () => {
    const channel = await broker.createChannel();
    channel.on('error', () => undefined);
    const queues = consumerQueues('request-service');
    await expect(
      channel.assertQueue(queues.main, {
        durable: true,
        arguments: {
          'x-queue-type': 'quorum',
          'x-delivery-limit': DELIVERY_LIMIT + 1,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': queues.deadLetter,
        },
      }),
    ).rejects.toThrow(/PRECONDITION_FAILED/);
  });
});
