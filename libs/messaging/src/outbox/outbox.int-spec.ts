import { createRequestContext, runWithRequestContext } from '@ajla/platform';
import type { EntityManager } from 'typeorm';
import { aSubmittedEvent, testBed, waitFor, type TestBed } from '../../test/harness';
import { silentLogger } from '../logger';
import { OutboxRelay } from './outbox-relay';
import { OutboxWriter } from './outbox-writer';

jest.setTimeout(30_000);

describe('outbox and relay (real Postgres and RabbitMQ)', () => {
  let bed: TestBed;
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    bed = await testBed('outbox');
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((relay) => relay.stop()));
    await bed.dataSource.query(`DELETE FROM messaging_test.outbox_messages`);
  });

  afterAll(async () => {
    await bed?.close();
  });

  function relay(options: Partial<ConstructorParameters<typeof OutboxRelay>[0]> = {}): OutboxRelay {
    const made = new OutboxRelay({
      dataSource: bed.dataSource,
      connection: bed.connection,
      exchange: bed.exchange,
      logger: silentLogger,
      ...options,
    });
    relays.push(made);
    return made;
  }

  const stored = async (): Promise<number> =>
    Number(
      (await bed.dataSource.query(`SELECT count(*) AS n FROM messaging_test.outbox_messages`))[0].n,
    );

  const unpublished = async (): Promise<number> =>
    Number(
      (
        await bed.dataSource.query(
          `SELECT count(*) AS n FROM messaging_test.outbox_messages WHERE published_at IS NULL`,
        )
      )[0].n,
    );

  it('refuses to write outside a transaction: the events would not share the fate of the change', async () => {
    await expect(bed.writer.append(bed.dataSource.manager, [aSubmittedEvent()])).rejects.toThrow(
      /needs the EntityManager of the transaction/,
    );
  });

  it('stores nothing when the transaction rolls back', async () => {
    await expect(
      bed.dataSource.transaction(async (manager: EntityManager) => {
        await bed.writer.append(manager, [aSubmittedEvent()]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await unpublished()).toBe(0);
  });

  it('refuses an envelope that breaks its contract, whoever built it', async () => {
    const broken = { ...aSubmittedEvent(), data: { request_id: 'x' } } as never;
    await expect(bed.commitEvents([broken])).rejects.toThrow(/breaks its contract/);
  });

  it('publishes a committed event persistent, with message_id = id, type, JSON and the trace headers; then marks it', async () => {
    const tap = await bed.tap();
    const context = createRequestContext({
      correlationId: 'corr-outbox-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    const event = aSubmittedEvent(context.correlationId);
    await runWithRequestContext(context, () => bed.commitEvents([event]));

    const running = relay();
    await running.start();
    const [message] = await waitFor(() => tap.messages.length === 1 && tap.messages);

    expect(JSON.parse(message.content.toString('utf8'))).toEqual(event);
    expect(message.fields.routingKey).toBe('request.submitted');
    expect(message.fields.exchange).toBe(bed.exchange);
    expect(message.properties).toMatchObject({
      deliveryMode: 2,
      messageId: event.id,
      type: 'request.submitted',
      contentType: 'application/json',
      appId: 'test-producer',
      timestamp: Math.floor(Date.parse(event.occurred_at) / 1000),
    });
    expect(message.properties.headers).toEqual({
      'x-correlation-id': 'corr-outbox-1',
      // This request's span is the parent of what the consumer does.
      traceparent: `00-0af7651916cd43dd8448eb211c80319c-${context.spanId}-01`,
    });
    // Without a retention, a confirmed row is deleted in the batch's transaction.
    await waitFor(async () => (await stored()) === 0);
  });

  it('is woken by the commit itself, not by the next poll', async () => {
    const tap = await bed.tap();
    const running = relay({ pollIntervalMs: 60_000 });
    await running.start();
    await running.whenConnected();
    // Let the start-up pass finish, so only a notification can wake it from here.
    await new Promise((resolve) => setTimeout(resolve, 100));

    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const event = aSubmittedEvent();
      const committed = Date.now();
      await bed.commitEvents([event]);
      await waitFor(() => tap.ids().includes(event.id), 2000, 1);
      latencies.push(Date.now() - committed);
    }
    // The poll would take a minute; a wake-up at most the least time between two batches (100 ms)
    // and the publish.
    expect(Math.max(...latencies)).toBeLessThan(1000);
  });

  it('coalesces the commits of a busy moment into few batches, and leaves none behind', async () => {
    const tap = await bed.tap();
    const batches: number[] = [];
    const running = relay({
      pollIntervalMs: 60_000,
      minBatchIntervalMs: 200,
      onBatch: (batch) => batches.push(batch.claimed),
    });
    await running.start();
    await running.whenConnected();
    await new Promise((resolve) => setTimeout(resolve, 100));
    batches.length = 0;

    // 60 commits back to back, each one waking the relay: faster than batches run, so they pile
    // up while one runs, and the large batches that makes let the next ones wait for company.
    const events = Array.from({ length: 60 }, () => aSubmittedEvent());
    await Promise.all(
      [0, 1, 2, 3].map(async (lane) => {
        for (const event of events.filter((_, i) => i % 4 === lane)) {
          await bed.commitEvents([event]);
        }
      }),
    );
    await waitFor(() => tap.messages.length >= 60, 10_000);
    expect(new Set(tap.ids())).toEqual(new Set(events.map((event) => event.id)));
    // A batch is reported once it is marked published, which can come after its messages arrive.
    const claimed = () => batches.reduce((sum, n) => sum + n, 0);
    await waitFor(() => claimed() >= 60, 5000);
    expect(claimed()).toBe(60);
    // Not one batch per commit.
    expect(batches.length).toBeLessThan(events.length / 3);
    expect(await unpublished()).toBe(0);
  });

  it('lets an event that comes while it keeps up leave at once, however long it may wait under load', async () => {
    const tap = await bed.tap();
    // A minute of coalescing under load: an event made to wait for it would miss every deadline
    // below, while one relayed at once arrives within them even on a busy machine.
    const running = relay({ pollIntervalMs: 60_000, minBatchIntervalMs: 60_000 });
    await running.start();
    await running.whenConnected();
    for (let i = 0; i < 5; i++) {
      const event = aSubmittedEvent();
      await bed.commitEvents([event]);
      await waitFor(() => tap.ids().includes(event.id), 10_000);
    }
    expect(await unpublished()).toBe(0);
  });

  it('vacuums its outbox once enough rows were published, and not before', async () => {
    const vacuums = async (): Promise<number> => {
      const [row] = await bed.dataSource.query(
        `SELECT vacuum_count AS n FROM pg_stat_user_tables
          WHERE schemaname = 'messaging_test' AND relname = 'outbox_messages'`,
      );
      return Number(row.n);
    };
    const tap = await bed.tap();
    const running = relay({ vacuumEveryRows: 30, minBatchIntervalMs: 0 });
    await running.start();
    await running.whenConnected();
    const before = await vacuums();

    const first = Array.from({ length: 20 }, () => aSubmittedEvent());
    await bed.commitEvents(first);
    await waitFor(() => tap.messages.length >= 20, 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await vacuums()).toBe(before);

    await bed.commitEvents(Array.from({ length: 20 }, () => aSubmittedEvent()));
    await waitFor(() => tap.messages.length >= 40, 5000);
    // 40 published rows, 30 needed: one vacuum, which removed the dead row versions it was run
    // for. On a slow machine the second 20 may leave in two passes, the vacuum running after the
    // first: the rows of the second pass (fewer than 30) are the only ones it can have missed.
    await waitFor(async () => (await vacuums()) === before + 1, 5000);
    const [dead] = await bed.dataSource.query(
      `SELECT n_dead_tup AS n FROM pg_stat_user_tables
        WHERE schemaname = 'messaging_test' AND relname = 'outbox_messages'`,
    );
    expect(Number(dead.n)).toBeLessThan(30);
  });

  it('is woken in-process by OutboxWriter.committed, without a notification', async () => {
    const tap = await bed.tap();
    const running = relay({ pollIntervalMs: 60_000, listen: false });
    await running.start();
    await running.whenConnected();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const writer = new OutboxWriter();
    writer.onCommitted(() => running.wake());
    const event = aSubmittedEvent();
    const rows = writer.rows([event]);
    // A statement of the caller's own, committed on its own (no NOTIFY in it).
    await bed.dataSource.query(
      `INSERT INTO messaging_test.outbox_messages (id, routing_key, envelope, headers)
       VALUES ($1, $2, $3::json, $4::jsonb)`,
      [rows.ids[0], rows.routingKeys[0], rows.envelopes[0], rows.headers[0]],
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tap.ids()).toEqual([]);
    writer.committed();
    await waitFor(() => tap.ids().includes(event.id), 2000, 1);
  });

  it('publishes a row that committed after a later one was relayed', async () => {
    const tap = await bed.tap();
    const running = relay({ pollIntervalMs: 100 });
    await running.start();
    await running.whenConnected();
    const early = aSubmittedEvent();
    const late = aSubmittedEvent();
    // `early` takes its seq first but commits last: the relay has gone past it by then.
    let commitEarly!: () => void;
    const held = new Promise<void>((resolve) => (commitEarly = resolve));
    const writing = bed.dataSource.transaction(async (manager: EntityManager) => {
      await new OutboxWriter().append(manager, [early]);
      await held;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await bed.commitEvents([late]);
    await waitFor(() => tap.ids().includes(late.id), 2000, 1);
    commitEarly();
    await writing;
    await waitFor(() => tap.ids().includes(early.id), 3000);
    expect(tap.ids()).toEqual([late.id, early.id]);
    // Deleted once its batch is marked, which can come after its message arrives.
    await waitFor(async () => (await stored()) === 0);
  });

  it('publishes a backlog in order, in batches, each event once', async () => {
    const tap = await bed.tap();
    const events = Array.from({ length: 250 }, () => aSubmittedEvent());
    for (let i = 0; i < events.length; i += 50) await bed.commitEvents(events.slice(i, i + 50));

    const running = relay({ batchSize: 100 });
    await running.start();
    await waitFor(() => tap.messages.length >= 250, 10_000);
    await waitFor(async () => (await unpublished()) === 0);
    expect(tap.ids()).toEqual(events.map((event) => event.id));
  });

  it('shares the work between replicas without publishing anything twice', async () => {
    const tap = await bed.tap();
    const first = relay({ batchSize: 20 });
    const second = relay({ batchSize: 20 });
    await Promise.all([first.start(), second.start()]);
    const events = Array.from({ length: 200 }, () => aSubmittedEvent());
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => bed.commitEvents(events.slice(i * 10, i * 10 + 10))),
    );
    await waitFor(() => tap.messages.length >= 200, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(tap.messages).toHaveLength(200);
    expect(new Set(tap.ids())).toEqual(new Set(events.map((event) => event.id)));
  });

  it('keeps what the broker refused (nack), and publishes it on a later pass', async () => {
    // A full queue that rejects new messages makes the broker nack their publish.
    const full = `${bed.serviceName}.full`;
    await bed.channel.assertQueue(full, {
      exclusive: true,
      arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' },
    });
    await bed.channel.bindQueue(full, bed.exchange, '#');
    const events = [aSubmittedEvent(), aSubmittedEvent(), aSubmittedEvent()];
    await bed.commitEvents(events);

    const running = relay({ pollIntervalMs: 50 });
    await running.start();
    const refused = await waitFor(async () => {
      const rows: { id: string; last_error: string }[] = await bed.dataSource.query(
        `SELECT id, last_error FROM messaging_test.outbox_messages
          WHERE published_at IS NULL AND attempts > 0`,
      );
      return rows.length === 2 && rows;
    });
    expect(refused.map((row) => row.id).sort()).toEqual([events[1].id, events[2].id].sort());
    expect(refused[0].last_error).toMatch(/nack/);

    await bed.channel.deleteQueue(full);
    await waitFor(async () => (await unpublished()) === 0, 10_000);
  });

  it('on stop, finishes the batch in hand and publishes what was committed meanwhile', async () => {
    const tap = await bed.tap();
    const running = relay({ pollIntervalMs: 60_000, listen: false });
    await running.start();
    await running.whenConnected();
    const event = aSubmittedEvent();
    await bed.commitEvents([event]);
    await running.stop();
    expect(tap.ids()).toEqual([event.id]);
    expect(await unpublished()).toBe(0);
  });

  it('deletes published rows once they are past their retention', async () => {
    const event = aSubmittedEvent();
    await bed.commitEvents([event]);
    const running = relay({ retentionHours: 1 });
    await running.start();
    await waitFor(async () => (await unpublished()) === 0);
    // Kept, marked published.
    const [row] = await bed.dataSource.query(
      `SELECT attempts, published_at, last_error FROM messaging_test.outbox_messages WHERE id = $1`,
      [event.id],
    );
    expect(row).toMatchObject({ attempts: 1, last_error: null });
    expect(row.published_at).toBeInstanceOf(Date);
    await bed.dataSource.query(
      `UPDATE messaging_test.outbox_messages SET published_at = now() - interval '2 hours'`,
    );
    // The clean-up runs every ten minutes; pretend the last one was long ago.
    (running as unknown as { lastCleanup: number }).lastCleanup = 0;
    running.wake();
    await waitFor(
      async () =>
        Number(
          (
            await bed.dataSource.query(`SELECT count(*) AS n FROM messaging_test.outbox_messages`)
          )[0].n,
        ) === 0,
    );
  });
});
