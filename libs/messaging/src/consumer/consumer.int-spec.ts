import type { EventEnvelope } from '@ajla/contracts';
import type { Message } from 'amqplib';
import {
  RABBITMQ_URL,
  declareTopologyOf,
  RecordingHandler,
  aSubmittedEvent,
  testBed,
  uniqueName,
  waitFor,
  type TestBed,
  eventTransport,
  listen,
} from '../../test/harness';
import { createAmqpConnection } from '../amqp/connection';
import { consumerQueues } from '../amqp/topology';
import { silentLogger } from '../logger';
import type { DeliveryOutcome } from './event-consumer';
import type { EventContext } from './event-context';
import { EventTransport } from './event-transport';

jest.setTimeout(30_000);

const RETRY_DELAYS_MS = [100, 200];

describe('event consumer (real Postgres and RabbitMQ)', () => {
  let bed: TestBed;
  let consumer: EventTransport | undefined;
  let outcomes: { outcome: DeliveryOutcome; id?: string; at: number }[];

  beforeAll(async () => {
    bed = await testBed('consumer');
  });

  beforeEach(() => {
    outcomes = [];
  });

  afterEach(async () => {
    await consumer?.close();
    consumer = undefined;
    await bed.dataSource.query(`TRUNCATE messaging_test.effects, messaging_test.inbox_messages`);
    await bed.drain(`${bed.serviceName}.events.dlq`);
  });

  afterAll(async () => {
    await bed?.close(RETRY_DELAYS_MS);
  });

  async function consume(...handlers: RecordingHandler[]): Promise<EventTransport> {
    return consumeFiltered(undefined, ...handlers);
  }

  async function consumeFiltered(
    handles: ((event: { id: string }) => boolean | Promise<boolean>) | undefined,
    ...handlers: RecordingHandler[]
  ): Promise<EventTransport> {
    return consumeWith({ handles }, ...handlers);
  }

  async function consumeWith(
    {
      handles,
      prefetch = 8,
    }: { handles?: (event: { id: string }) => boolean | Promise<boolean>; prefetch?: number },
    ...handlers: RecordingHandler[]
  ): Promise<EventTransport> {
    consumer = eventTransport({
      handles,
      dataSource: bed.dataSource,
      connection: bed.connection,
      serviceName: bed.serviceName,
      exchange: bed.exchange,
      handlers,
      prefetch,
      retryDelaysMs: RETRY_DELAYS_MS,
      requeueDelayMs: 50,
      logger: silentLogger,
      onSettled: (outcome, message) =>
        outcomes.push({ outcome, id: message.properties.messageId, at: Date.now() }),
    });
    await listen(consumer);
    await consumer.whenConsuming();
    return consumer;
  }

  /** Publishes like the relay does (persistent, message_id, headers). */
  function publish(
    body: unknown,
    routingKey = 'request.submitted',
    headers: Record<string, string> = {},
  ): void {
    const content = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
    const id = typeof body === 'object' && body !== null ? (body as { id?: string }).id : undefined;
    bed.channel.publish(bed.exchange, routingKey, content, {
      persistent: true,
      messageId: id,
      type: routingKey,
      contentType: 'application/json',
      headers,
    });
  }

  const outcomesOf = (id: string) => outcomes.filter((o) => o.id === id).map((o) => o.outcome);

  async function dlq(expected: number): Promise<Message[]> {
    const parked: Message[] = [];
    await waitFor(async () => {
      parked.push(...(await bed.drain(`${bed.serviceName}.events.dlq`)));
      return parked.length >= expected;
    });
    return parked;
  }

  it('declares its queues idempotently: a second consumer of the same service starts fine', async () => {
    await consume(new RecordingHandler());
    const again = eventTransport({
      dataSource: bed.dataSource,
      connection: bed.connection,
      serviceName: bed.serviceName,
      exchange: bed.exchange,
      handlers: [new RecordingHandler()],
      retryDelaysMs: RETRY_DELAYS_MS,
      logger: silentLogger,
    });
    await listen(again);
    await again.whenConsuming();
    await again.close();
    // The main queue is a quorum queue: declaring it as a classic one is refused.
    const probe = await bed.broker.createChannel();
    probe.on('error', () => undefined);
    await expect(
      probe.assertQueue(`${bed.serviceName}.events`, {
        durable: true,
        arguments: {
          'x-queue-type': 'classic',
          'x-delivery-limit': 20,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': `${bed.serviceName}.events.dlq`,
        },
      }),
    ).rejects.toThrow(/PRECONDITION_FAILED.*x-queue-type/);
  });

  it('reports a topology the topology step has not declared instead of consuming, then consumes once it has', async () => {
    const serviceName = uniqueName('t-undeclared');
    const connection = createAmqpConnection({
      url: RABBITMQ_URL,
      name: 'undeclared test',
      logger: silentLogger,
      reconnectDelayMs: 200,
    });
    const errors: string[] = [];
    const handler = new RecordingHandler();
    // Not the harness's `eventTransport`, which plays the topology step first.
    const transport = new EventTransport({
      dataSource: bed.dataSource,
      connection,
      serviceName,
      exchange: bed.exchange,
      retryDelaysMs: RETRY_DELAYS_MS,
      logger: { ...silentLogger, error: (message) => errors.push(message) },
    });
    transport.addHandler(
      'request.submitted',
      (event: EventEnvelope, context: EventContext) => handler.handle(event, context),
      true,
    );
    const topology = {
      exchange: bed.exchange,
      serviceName,
      routingKeys: ['request.submitted'],
      retryDelaysMs: RETRY_DELAYS_MS,
    };
    try {
      await new Promise<void>((resolve, reject) =>
        transport.listen((error?: unknown) => (error ? reject(error) : resolve())),
      );
      await waitFor(() =>
        /queues not declared: .*is not on the broker: run the topology step/.test(
          transport.problem() ?? '',
        ),
      );
      await expect(transport.whenConsuming(300)).rejects.toThrow(/not consuming/);
      // Nothing was declared by the service: it has no right to.
      const probe = await bed.broker.createChannel();
      probe.on('error', () => undefined);
      await expect(probe.checkQueue(`${serviceName}.events`)).rejects.toThrow(/NOT_FOUND/);
      // Said once, not at every reconnection.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(new Set(errors).size).toBe(errors.length);

      await declareTopologyOf(topology);
      await transport.whenConsuming(10_000);
      expect(transport.problem()).toBeNull();
      // Straight to this queue (through its copies exchange, as a replay goes): on the events
      // exchange it would reach the other tests' queue too.
      const event = aSubmittedEvent();
      const queues = consumerQueues(serviceName);
      bed.channel.publish(queues.copies, queues.main, Buffer.from(JSON.stringify(event)), {
        persistent: true,
        messageId: event.id,
        type: event.type,
        contentType: 'application/json',
      });
      await waitFor(() => handler.calls.length === 1);
    } finally {
      await transport.close();
      await connection.close();
      const queues = consumerQueues(serviceName);
      for (const queue of [queues.main, queues.deadLetter, ...RETRY_DELAYS_MS.map(queues.retry)]) {
        await bed.channel.deleteQueue(queue).catch(() => undefined);
      }
      await bed.channel.deleteExchange(queues.copies).catch(() => undefined);
    }
  });

  it('handles an event once: its effect and its inbox row commit together, then it is acked', async () => {
    const handler = new RecordingHandler();
    await consume(handler);
    const event = aSubmittedEvent('corr-consumer-1');
    publish(event, 'request.submitted', {
      'x-correlation-id': 'corr-consumer-1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    await waitFor(() => outcomesOf(event.id).length === 1);
    expect(outcomesOf(event.id)).toEqual(['handled']);
    expect(await bed.effects()).toEqual([{ event_id: event.id, routing_key: 'request.submitted' }]);
    const inbox = await bed.dataSource.query(`SELECT event_id FROM messaging_test.inbox_messages`);
    expect(inbox).toEqual([{ event_id: event.id }]);
    // The handler ran in a context made from the message's headers (so its logs carry them).
    expect(handler.calls[0].correlationId).toBe('corr-consumer-1');
    const left = await bed.channel.checkQueue(`${bed.serviceName}.events`);
    expect(left.messageCount).toBe(0);
  });

  it('the same event delivered twice has one effect', async () => {
    await consume(new RecordingHandler());
    const event = aSubmittedEvent();
    publish(event);
    publish(event);
    await waitFor(() => outcomesOf(event.id).length === 2);
    expect(outcomesOf(event.id).sort()).toEqual(['duplicate', 'handled']);
    expect(await bed.effects()).toHaveLength(1);
  });

  it('the same event delivered many times at once still has one effect', async () => {
    await consume(new RecordingHandler());
    const event = aSubmittedEvent();
    for (let i = 0; i < 8; i++) publish(event);
    await waitFor(() => outcomesOf(event.id).length === 8);
    expect(outcomesOf(event.id).filter((o) => o === 'handled')).toHaveLength(1);
    expect(await bed.effects()).toHaveLength(1);
  });

  it('retries a failing event with back-off, then dead-letters it; the rest keep flowing', async () => {
    const failing = aSubmittedEvent();
    const handler = new RecordingHandler(['request.submitted'], (event) => {
      if (event.id === failing.id) throw new Error('the partner API is down');
    });
    await consume(handler);
    publish(failing);
    const others = Array.from({ length: 5 }, () => aSubmittedEvent());
    for (const event of others) publish(event);

    const [parked] = await dlq(1);
    expect(outcomesOf(failing.id)).toEqual(['retried', 'retried', 'dead-lettered']);
    const attempts = handler.calls.filter((call) => call.id === failing.id).map((call) => call.at);
    expect(attempts).toHaveLength(3);
    expect(attempts[1] - attempts[0]).toBeGreaterThanOrEqual(90);
    expect(attempts[2] - attempts[1]).toBeGreaterThanOrEqual(190);

    expect(parked.properties.messageId).toBe(failing.id);
    expect(parked.properties.deliveryMode).toBe(2);
    expect(JSON.parse(parked.content.toString('utf8'))).toEqual(failing);
    expect(parked.properties.headers).toMatchObject({
      'x-retry-count': 2,
      'x-dead-letter-reason': 'handler_failed',
      'x-last-error': 'Error: the partner API is down',
      'x-original-routing-key': 'request.submitted',
      'x-failed-by': bed.serviceName,
    });
    // Its failed attempts left nothing behind (their effects rolled back with the inbox row).
    const effects = await bed.effects();
    expect(effects.map((e) => e.event_id).sort()).toEqual(others.map((e) => e.id).sort());
    for (const event of others) expect(outcomesOf(event.id)).toEqual(['handled']);
  });

  it('gives an event back to its queue when the broker cannot route its retry copy (a binding gone), loses nothing', async () => {
    const queues = consumerQueues(bed.serviceName);
    const retryQueue = queues.retry(RETRY_DELAYS_MS[0]);
    const handler = new RecordingHandler(['request.submitted'], (_event, attempt) => {
      if (attempt === 1) throw new Error('deadlock detected');
    });
    await consume(handler);
    // The retry queue exists (a passive check passes) but nothing routes a copy to it.
    await bed.channel.unbindQueue(retryQueue, queues.copies, retryQueue);
    try {
      const event = aSubmittedEvent();
      publish(event);
      await waitFor(() => outcomesOf(event.id).includes('handled'));
      // Not 'retried' (its copy would have vanished and the event with it): given back, then
      // handled on its redelivery.
      expect(outcomesOf(event.id)).toEqual(['requeued', 'handled']);
      expect(await bed.effects()).toHaveLength(1);
    } finally {
      await bed.channel.bindQueue(retryQueue, queues.copies, retryQueue);
    }
  });

  it('runs after-commit effects once the effect is committed, never for a rolled-back attempt', async () => {
    const seen: { attempt: number; committed: number }[] = [];
    const handler = new RecordingHandler(['request.submitted'], (event, attempt, context) => {
      context.afterCommit(() => {
        // Read outside the transaction: only a committed effect is visible here.
        void bed.dataSource
          .query(`SELECT count(*)::int AS n FROM messaging_test.effects WHERE event_id = $1`, [
            event.id,
          ])
          .then(([row]: { n: number }[]) => seen.push({ attempt, committed: row.n }));
      });
      if (attempt === 1) throw new Error('deadlock detected');
    });
    await consume(handler);
    const event = aSubmittedEvent();
    publish(event);
    await waitFor(() => seen.length === 1);
    expect(outcomesOf(event.id)).toEqual(['retried', 'handled']);
    expect(seen).toEqual([{ attempt: 2, committed: 1 }]);
  });

  it('an event that fails once succeeds on its retry, with one effect', async () => {
    const handler = new RecordingHandler(['request.submitted'], (_event, attempt) => {
      if (attempt === 1) throw new Error('deadlock detected');
    });
    await consume(handler);
    const event = aSubmittedEvent();
    publish(event);
    await waitFor(() => outcomesOf(event.id).includes('handled'));
    expect(outcomesOf(event.id)).toEqual(['retried', 'handled']);
    expect(await bed.effects()).toHaveLength(1);
  });

  it('dead-letters a malformed body at once, and keeps consuming', async () => {
    await consume(new RecordingHandler());
    bed.channel.publish(bed.exchange, 'request.submitted', Buffer.from('{"id": oops'), {
      persistent: true,
      messageId: 'broken-1',
    });
    const after = aSubmittedEvent();
    publish(after);
    const [parked] = await dlq(1);
    expect(parked.content.toString('utf8')).toBe('{"id": oops');
    expect(parked.properties.headers).toMatchObject({
      'x-dead-letter-reason': 'malformed_json',
      'x-retry-count': 0,
    });
    await waitFor(() => outcomesOf(after.id).length === 1);
    expect(outcomesOf('broken-1')).toEqual(['dead-lettered']);
    expect(outcomesOf(after.id)).toEqual(['handled']);
  });

  it('dead-letters an event that breaks its contract (unknown version, bad data) at once', async () => {
    await consume(new RecordingHandler());
    const future = { ...aSubmittedEvent(), version: 9 };
    const bad = { ...aSubmittedEvent(), data: { request_id: 'nope' } };
    publish(future);
    publish(bad);
    const parked = await dlq(2);
    for (const message of parked) {
      expect(message.properties.headers).toMatchObject({
        'x-dead-letter-reason': 'contract_violation',
      });
    }
    expect(await bed.effects()).toHaveLength(0);
    const next = aSubmittedEvent();
    publish(next);
    await waitFor(() => outcomesOf(next.id).length === 1);
  });

  it('acknowledges a valid event no handler takes, without effect', async () => {
    await consume(new RecordingHandler(['request.submitted']));
    // Bound by hand, as a binding left over from an older version would be.
    await bed.channel.bindQueue(`${bed.serviceName}.events`, bed.exchange, 'user.registered');
    const stray = {
      ...aSubmittedEvent(),
      type: 'user.registered',
      data: {
        user_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a0b',
        email: 'a@b.c',
        full_name: null,
        role: 'user',
        tier: 5000,
        created_at: new Date().toISOString(),
      },
    };
    publish(stray, 'user.registered');
    await waitFor(() => outcomesOf(stray.id).length === 1);
    expect(outcomesOf(stray.id)).toEqual(['skipped']);
    await bed.channel.unbindQueue(`${bed.serviceName}.events`, bed.exchange, 'user.registered');
  });

  it('acknowledges an event its filter says can have no effect, with no transaction; handles the rest', async () => {
    const ignored = aSubmittedEvent();
    const handled = aSubmittedEvent();
    const handler = new RecordingHandler();
    await consumeFiltered((event) => event.id !== ignored.id, handler);
    publish(ignored);
    publish(handled);
    await waitFor(() => outcomesOf(ignored.id).length === 1 && outcomesOf(handled.id).length === 1);
    expect(outcomesOf(ignored.id)).toEqual(['ignored']);
    expect(outcomesOf(handled.id)).toEqual(['handled']);
    expect(handler.calls.map((call) => call.id)).toEqual([handled.id]);
    // No inbox row for the ignored one: it never opened a transaction.
    const inbox = await bed.dataSource.query(`SELECT event_id FROM messaging_test.inbox_messages`);
    expect(inbox).toEqual([{ event_id: handled.id }]);
    const left = await bed.channel.checkQueue(`${bed.serviceName}.events`);
    expect(left.messageCount).toBe(0);
  });

  it('holds an event while its filter answers later: ignored or handled by the answer, kept when it fails', async () => {
    const ignored = aSubmittedEvent();
    const handled = aSubmittedEvent();
    const failing = aSubmittedEvent();
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const handler = new RecordingHandler();
    await consumeFiltered(async (event) => {
      await answered;
      if (event.id === failing.id) throw new Error('the filter failed');
      return event.id !== ignored.id;
    }, handler);
    publish(ignored);
    publish(handled);
    publish(failing);
    await waitFor(() => consumer?.inProgress === 3);
    expect(outcomes).toEqual([]);
    const held = await bed.channel.checkQueue(`${bed.serviceName}.events`);
    expect(held.messageCount).toBe(0); // delivered, not acked: held in memory

    answer();
    await waitFor(() => outcomes.length === 3);
    expect(outcomesOf(ignored.id)).toEqual(['ignored']);
    expect(outcomesOf(handled.id)).toEqual(['handled']);
    expect(outcomesOf(failing.id)).toEqual(['handled']);
    expect(handler.calls.map((call) => call.id).sort()).toEqual([handled.id, failing.id].sort());
  });

  it('holds at most its prefetch of deliveries at once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handler = new RecordingHandler(['request.submitted'], () => gate);
    const transport = await consumeWith({ prefetch: 2 }, handler);
    const events = Array.from({ length: 5 }, () => aSubmittedEvent());
    for (const event of events) publish(event);
    await waitFor(() => transport.inProgress === 2);
    // The rest wait in the queue, not in this process.
    await waitFor(async () => {
      const queue = await bed.channel.checkQueue(`${bed.serviceName}.events`);
      return queue.messageCount === 3;
    });
    expect(transport.inProgress).toBe(2);
    release();
    await waitFor(() => events.every((event) => outcomesOf(event.id).length === 1));
    expect(events.map((event) => outcomesOf(event.id))).toEqual(events.map(() => ['handled']));
  });

  it('events that arrive while a transaction runs share the next one, in delivery order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const transactionOf = new Map<string, string>();
    const first = aSubmittedEvent();
    const handler = new RecordingHandler(
      ['request.submitted'],
      async (event, _attempt, context) => {
        const [row] = await context.transaction.query(`SELECT txid_current()::text AS tx`);
        transactionOf.set(event.id, (row as { tx: string }).tx);
        if (event.id === first.id) await gate;
      },
    );
    const transport = await consumeWith({ prefetch: 16 }, handler);
    publish(first);
    await waitFor(() => handler.calls.length === 1);
    const next = Array.from({ length: 5 }, () => aSubmittedEvent());
    for (const event of next) publish(event);
    await waitFor(() => transport.inProgress === 6);
    release();
    await waitFor(() => [first, ...next].every((event) => outcomesOf(event.id).length === 1));

    expect([first, ...next].map((event) => outcomesOf(event.id))).toEqual(
      [first, ...next].map(() => ['handled']),
    );
    expect(handler.calls.map((call) => call.id)).toEqual([first, ...next].map((e) => e.id));
    const shared = new Set(next.map((event) => transactionOf.get(event.id)));
    expect(shared.size).toBe(1);
    expect(shared.has(transactionOf.get(first.id))).toBe(false);
    expect(await bed.effects()).toHaveLength(6);
    const inbox = await bed.dataSource.query(`SELECT event_id FROM messaging_test.inbox_messages`);
    expect(inbox).toHaveLength(6);
    // All acknowledged (the shared ones by one ack): closing the channel gives nothing back.
    await transport.close();
    consumer = undefined;
    const left = await bed.channel.checkQueue(`${bed.serviceName}.events`);
    expect(left.messageCount).toBe(0);
  });

  it('an event that fails in a shared transaction is retried alone; the others commit once', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = aSubmittedEvent();
    const failing = aSubmittedEvent();
    const committed: string[] = [];
    const handler = new RecordingHandler(
      ['request.submitted'],
      async (event, _attempt, context) => {
        context.afterCommit(() => committed.push(event.id));
        if (event.id === first.id) await gate;
        if (event.id === failing.id) throw new Error('the partner API is down');
      },
    );
    const transport = await consumeWith({ prefetch: 16 }, handler);
    publish(first);
    await waitFor(() => handler.calls.length === 1);
    const before = [aSubmittedEvent(), aSubmittedEvent()];
    const after = [aSubmittedEvent(), aSubmittedEvent()];
    for (const event of [...before, failing, ...after]) publish(event);
    await waitFor(() => transport.inProgress === 6);
    release();
    await dlq(1);

    expect(outcomesOf(failing.id)).toEqual(['retried', 'retried', 'dead-lettered']);
    const others = [first, ...before, ...after];
    for (const event of others) expect(outcomesOf(event.id)).toEqual(['handled']);
    // The shared attempt rolled back as a whole, then each ran alone: one effect each, and the
    // after-commit effects of committed attempts only.
    const effects = await bed.effects();
    expect(effects.map((e) => e.event_id).sort()).toEqual(others.map((e) => e.id).sort());
    expect([...committed].sort()).toEqual(others.map((e) => e.id).sort());
  });

  it('on stop, lets the handler in progress finish and ack; nothing comes back later', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handler = new RecordingHandler(['request.submitted'], () => gate);
    const running = await consume(handler);
    const event = aSubmittedEvent();
    publish(event);
    await waitFor(() => handler.calls.length === 1);
    const stopped = running.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running.inProgress).toBe(1);
    release();
    await stopped;
    expect(outcomesOf(event.id)).toEqual(['handled']);
    const left = await bed.channel.checkQueue(`${bed.serviceName}.events`);
    expect(left.messageCount).toBe(0);
    consumer = undefined;
  });
});
