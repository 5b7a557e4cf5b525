import {
  RABBITMQ_URL,
  RecordingHandler,
  aSubmittedEvent,
  testBed,
  waitFor,
  type TestBed,
  eventTransport,
  listen,
} from '../../test/harness';
import type { DeliveryOutcome } from '../consumer/event-consumer';
import type { EventTransport } from '../consumer/event-transport';
import { silentLogger } from '../logger';
import { deadLettersCommand } from './dead-letters.command';

jest.setTimeout(30_000);

const RETRY_DELAYS_MS = [100];

describe('dead-letters CLI command (real Postgres and RabbitMQ)', () => {
  let bed: TestBed;
  let consumer: EventTransport;
  let broken = true;
  const outcomes: { outcome: DeliveryOutcome; id?: string }[] = [];
  let stderr: jest.SpyInstance;

  beforeAll(async () => {
    bed = await testBed('dead_letters');
    consumer = eventTransport({
      dataSource: bed.dataSource,
      connection: bed.connection,
      serviceName: bed.serviceName,
      exchange: bed.exchange,
      handlers: [
        new RecordingHandler(['request.submitted'], () => {
          if (broken) throw new Error('the handler is broken');
        }),
      ],
      retryDelaysMs: RETRY_DELAYS_MS,
      logger: silentLogger,
      onSettled: (outcome, message) => outcomes.push({ outcome, id: message.properties.messageId }),
    });
    await listen(consumer);
    await consumer.whenConsuming();
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterAll(async () => {
    stderr?.mockRestore();
    await consumer?.close();
    await bed?.close(RETRY_DELAYS_MS);
  });

  async function run(...args: string[]): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const code = await deadLettersCommand(bed.serviceName)({
      config: { RABBITMQ_URL },
      args,
      out: (line) => lines.push(line),
    });
    return { code: code ?? 0, lines };
  }

  const dlqDepth = async () =>
    (await bed.channel.checkQueue(`${bed.serviceName}.events.dlq`)).messageCount;

  const first = aSubmittedEvent('corr-dlq-1');
  const second = aSubmittedEvent();

  it('lists, shows and replays dead-lettered events, which the consumer then handles once', async () => {
    bed.channel.publish(bed.exchange, 'request.submitted', Buffer.from(JSON.stringify(first)), {
      persistent: true,
      messageId: first.id,
      type: first.type,
      headers: { 'x-correlation-id': 'corr-dlq-1', authorization: 'Bearer not-for-your-eyes' },
    });
    bed.channel.publish(bed.exchange, 'request.submitted', Buffer.from(JSON.stringify(second)), {
      persistent: true,
      messageId: second.id,
      type: second.type,
    });
    bed.channel.publish(bed.exchange, 'request.submitted', Buffer.from('{not json'), {
      persistent: true,
      messageId: 'broken-1',
      type: 'request.submitted',
    });
    await waitFor(() => outcomes.filter((o) => o.outcome === 'dead-lettered').length === 3);

    // list: every parked event with why, and nothing taken off the queue.
    const listed = await run('list');
    expect(listed.code).toBe(0);
    expect(listed.lines[0]).toBe(`3 in ${bed.serviceName}.events.dlq`);
    const row = listed.lines.find((line) => line.startsWith(first.id));
    expect(row).toMatch(
      /request\.submitted\s+\S+Z\s+handler_failed\s+1\s+Error: the handler is broken/,
    );
    expect(listed.lines.some((line) => /^broken-1\s.*malformed_json/.test(line))).toBe(true);
    expect(await dlqDepth()).toBe(3);
    const limited = await run('list', '--limit', '1', '--json');
    expect(JSON.parse(limited.lines[0])).toMatchObject({ total: 3, letters: [expect.any(Object)] });
    expect(await dlqDepth()).toBe(3);

    // show: the envelope and the headers, a credential-looking one hidden.
    const shown = await run('show', first.id);
    expect(shown.code).toBe(0);
    const letter = JSON.parse(shown.lines.join('\n'));
    expect(letter).toMatchObject({
      id: first.id,
      type: 'request.submitted',
      reason: 'handler_failed',
      retries: 1,
      body: { id: first.id, type: 'request.submitted', data: first.data },
      headers: {
        authorization: '[hidden]',
        'x-correlation-id': 'corr-dlq-1',
        'x-failed-by': bed.serviceName,
      },
    });
    expect(shown.lines.join('\n')).not.toContain('not-for-your-eyes');
    expect((await run('show', '0190a000-0000-7000-8000-000000000000')).code).toBe(1);
    expect(await dlqDepth()).toBe(3);

    // replay one: handled once, with its correlation id; gone from the queue.
    broken = false;
    const replayed = await run('replay', first.id);
    expect(replayed.code).toBe(0);
    expect(replayed.lines).toContain('1 replayed');
    await waitFor(async () => (await bed.effects()).some((e) => e.event_id === first.id));
    expect(await dlqDepth()).toBe(2);
    expect((await run('replay', first.id)).code).toBe(1);

    // replay --all: the other event is handled; the malformed one comes back to the DLQ.
    const all = await run('replay', '--all');
    expect(all.lines).toContain('2 replayed');
    await waitFor(async () => (await bed.effects()).some((e) => e.event_id === second.id));
    await waitFor(async () => (await dlqDepth()) === 1);
    const left = await run('list', '--json');
    expect(JSON.parse(left.lines[0]).letters.map((l: { id: string }) => l.id)).toEqual([
      'broken-1',
    ]);
    const effects = await bed.effects();
    expect(effects.filter((e) => e.event_id === first.id)).toHaveLength(1);
    expect(effects.filter((e) => e.event_id === second.id)).toHaveLength(1);
  });

  it('keeps a dead letter parked when its replay cannot be routed (the main queue unbound)', async () => {
    const main = `${bed.serviceName}.events`;
    const copies = `${main}.copies`;
    const before = await dlqDepth();
    expect(before).toBeGreaterThan(0);
    await bed.channel.unbindQueue(main, copies, main);
    try {
      const replayed = await run('replay', '--all');
      expect(replayed.code).toBe(1);
      expect(stderr.mock.calls.map(([text]) => String(text)).join('')).toContain(
        'run the topology step',
      );
      await waitFor(async () => (await dlqDepth()) === before);
    } finally {
      await bed.channel.bindQueue(main, copies, main);
    }
  });

  it('says what is wrong with a wrong use', async () => {
    expect((await run('replay')).code).toBe(2);
    expect((await run('replay', first.id, '--all')).code).toBe(2);
    expect((await run('list', '--limit', 'x')).code).toBe(2);
    expect((await run('frobnicate')).code).toBe(2);
    const missing = deadLettersCommand(`${bed.serviceName}-never-consumed`);
    expect(await missing({ config: { RABBITMQ_URL }, args: ['list'], out: () => undefined })).toBe(
      1,
    );
    expect(stderr).toHaveBeenLastCalledWith(
      expect.stringMatching(/^No queue t-svc-\w+-never-consumed\.events\.dlq on this broker/),
    );
  });
});
