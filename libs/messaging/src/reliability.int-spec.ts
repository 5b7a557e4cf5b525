import {
  RecordingHandler,
  aSubmittedEvent,
  testBed,
  waitFor,
  type TestBed,
  eventTransport,
  listen,
} from '../test/harness';
import type { DeliveryOutcome } from './consumer/event-consumer';
import type { EventTransport } from './consumer/event-transport';
import { silentLogger } from './logger';
import { OutboxRelay } from './outbox/outbox-relay';

jest.setTimeout(30_000);

/** Producer and consumer end to end, through the outbox, the broker and the inbox. */
describe('reliability: the outbox and the inbox together', () => {
  let bed: TestBed;
  let consumer: EventTransport;
  let relay: OutboxRelay | undefined;
  const outcomes: DeliveryOutcome[] = [];

  const newRelay = (retentionHours = 0) =>
    new OutboxRelay({
      dataSource: bed.dataSource,
      connection: bed.connection,
      exchange: bed.exchange,
      logger: silentLogger,
      retentionHours,
    });

  beforeAll(async () => {
    bed = await testBed('reliability');
    consumer = eventTransport({
      dataSource: bed.dataSource,
      connection: bed.connection,
      serviceName: bed.serviceName,
      exchange: bed.exchange,
      handlers: [new RecordingHandler()],
      retryDelaysMs: [100],
      logger: silentLogger,
      onSettled: (outcome) => outcomes.push(outcome),
    });
    await listen(consumer);
    await consumer.whenConsuming();
  });

  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    outcomes.length = 0;
    await bed.dataSource.query(
      `TRUNCATE messaging_test.effects, messaging_test.inbox_messages, messaging_test.outbox_messages`,
    );
  });

  afterAll(async () => {
    await consumer?.close();
    await bed?.close([100]);
  });

  it('relay down between commit and publish: the events wait, then each is delivered once', async () => {
    const tap = await bed.tap();
    const events = Array.from({ length: 30 }, () => aSubmittedEvent());
    for (const event of events) await bed.commitEvents([event]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tap.messages).toHaveLength(0);
    expect(await bed.effects()).toHaveLength(0);

    relay = newRelay();
    await relay.start();
    await waitFor(async () => (await bed.effects()).length === 30, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tap.ids()).toEqual(events.map((event) => event.id));
    expect((await bed.effects()).map((effect) => effect.event_id)).toEqual(
      expect.arrayContaining(events.map((event) => event.id)),
    );
    expect(await bed.effects()).toHaveLength(30);
    expect(outcomes.filter((outcome) => outcome !== 'handled')).toEqual([]);
  });

  it('relay crashed after the broker confirmed but before marking: published again, applied once', async () => {
    const tap = await bed.tap();
    const events = Array.from({ length: 10 }, () => aSubmittedEvent());
    await bed.commitEvents(events);
    // Rows kept once published (a retention), so that the test can unmark them.
    relay = newRelay(1);
    await relay.start();
    await waitFor(async () => (await bed.effects()).length === 10);
    await relay.stop();
    // As if the transaction that marks (or deletes) them had never committed.
    await bed.dataSource.query(`UPDATE messaging_test.outbox_messages SET published_at = NULL`);

    relay = newRelay();
    await relay.start();
    await waitFor(() => tap.messages.length === 20 && outcomes.length === 20, 10_000);
    expect(outcomes.filter((outcome) => outcome === 'handled')).toHaveLength(10);
    expect(outcomes.filter((outcome) => outcome === 'duplicate')).toHaveLength(10);
    expect(await bed.effects()).toHaveLength(10);
  });
});
