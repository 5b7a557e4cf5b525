// Restarts the local RabbitMQ (rabbitmqctl stop_app / start_app): run alone, never beside other
// suites (scripts/test.sh runs *.fault-spec.ts one at a time, after the parallel ones).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
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
import type { EventTransport } from './consumer/event-transport';
import { silentLogger } from './logger';
import { OutboxRelay } from './outbox/outbox-relay';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

jest.setTimeout(180_000);

async function brokerAcceptsConnections(timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      const connection = await amqplib.connect(RABBITMQ_URL);
      connection.on('error', () => undefined);
      await connection.close();
      return true;
    },
    timeoutMs,
    250,
  );
}

async function restartBroker(downMs: number): Promise<void> {
  await run('rabbitmqctl', ['stop_app'], { timeout: 60_000 });
  try {
    await sleep(downMs);
  } finally {
    await run('rabbitmqctl', ['start_app'], { timeout: 60_000 });
  }
  await brokerAcceptsConnections(60_000);
}

describe('broker restarted in the middle of a stream of submissions', () => {
  let bed: TestBed;
  let relay: OutboxRelay;
  let consumer: EventTransport;

  beforeAll(async () => {
    bed = await testBed('broker_restart');
    relay = new OutboxRelay({
      dataSource: bed.dataSource,
      connection: bed.connection,
      exchange: bed.exchange,
      pollIntervalMs: 100,
      publishTimeoutMs: 2000,
      logger: silentLogger,
    });
    consumer = eventTransport({
      dataSource: bed.dataSource,
      connection: bed.connection,
      serviceName: bed.serviceName,
      exchange: bed.exchange,
      handlers: [new RecordingHandler()],
      retryDelaysMs: [100],
      logger: silentLogger,
    });
    await relay.start();
    await listen(consumer);
    await consumer.whenConsuming();
  });

  afterAll(async () => {
    // Whatever happened above, the broker is left running.
    await run('rabbitmqctl', ['start_app'], { timeout: 60_000 }).catch(() => undefined);
    await brokerAcceptsConnections(60_000).catch(() => undefined);
    await consumer?.close();
    await relay?.stop();
    await bed?.close([100]);
  });

  it('loses nothing: every event committed before, during and after the restart is applied exactly once', async () => {
    const total = 300;
    const events = Array.from({ length: total }, () => aSubmittedEvent());
    let disconnects = 0;
    bed.connection.on('disconnect', () => (disconnects += 1));
    let committedWhileAway = 0;
    let restart: Promise<void> | undefined;
    for (let i = 0; i < total; i++) {
      // Submissions keep coming while the broker is away: they wait in the outbox.
      await bed.commitEvents([events[i]]);
      if (!bed.connection.isConnected()) committedWhileAway += 1;
      if (i === 100) restart = restartBroker(1500);
      await sleep(10);
    }
    await restart;
    expect(disconnects).toBeGreaterThanOrEqual(1);
    expect(committedWhileAway).toBeGreaterThan(0);

    await waitFor(
      async () => {
        const [{ n }] = await bed.dataSource.query(
          `SELECT count(DISTINCT event_id) AS n FROM messaging_test.effects`,
        );
        return Number(n) === total;
      },
      90_000,
      250,
    );
    // Redeliveries after the restart reach the inbox, which keeps them from applying twice.
    await sleep(1000);
    const effects = await bed.effects();
    expect(effects).toHaveLength(total);
    expect(new Set(effects.map((effect) => effect.event_id))).toEqual(
      new Set(events.map((event) => event.id)),
    );
    const [{ n: unsent }] = await bed.dataSource.query(
      `SELECT count(*) AS n FROM messaging_test.outbox_messages WHERE published_at IS NULL`,
    );
    expect(Number(unsent)).toBe(0);
    expect(consumer.problem()).toBeNull();
  });
});
