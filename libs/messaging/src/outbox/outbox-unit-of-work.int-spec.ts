import { createRequestContext, runWithRequestContext } from '@ajla/platform';
import { AggregateRoot, DomainEvent, newId, type Id } from '@ajla/shared-kernel';
import { Client, type Notification } from 'pg';
import { testBed, waitFor, type TestBed } from '../../test/harness';
import { messagingTables } from '../persistence/messaging-tables';
import type { IntegrationEventMapper } from './integration-event-mapper';
import { OutboxUnitOfWork } from './outbox-unit-of-work';

jest.setTimeout(30_000);

type ChatId = Id<'ChatId'>;

class ChatOpened extends DomainEvent<{ requestId: string; userId: string }> {
  readonly eventName = 'chat.opened';
  constructor(id: ChatId, at: Date) {
    super(id, { requestId: newId(), userId: newId() }, at);
  }
}

class ChatRenamed extends DomainEvent<{ topic: string }> {
  readonly eventName = 'chat.renamed';
  constructor(id: ChatId, topic: string) {
    super(id, { topic });
  }
}

/** A small aggregate of the test's own, stored in `chats`; its opening maps to a real contract. */
class Chat extends AggregateRoot<ChatId, { topic: string }> {
  static open(topic: string, at = new Date('2026-11-22T10:00:00.000Z')): Chat {
    const chat = new Chat(newId<'ChatId'>(), { topic });
    chat.record(new ChatOpened(chat.id, at));
    return chat;
  }
  rename(topic: string): void {
    this.props.topic = topic;
    this.record(new ChatRenamed(this.id, topic));
  }
  get topic(): string {
    return this.props.topic;
  }
}

/** Chat opened has a contract (conversation.started); a rename has none. */
const chatEvents: IntegrationEventMapper = {
  toIntegrationEvent(event) {
    if (!(event instanceof ChatOpened)) return undefined;
    return {
      type: 'conversation.started',
      data: {
        conversation_id: event.aggregateId,
        request_id: event.payload.requestId,
        user_id: event.payload.userId,
        created_at: event.occurredAt.toISOString(),
      },
    };
  },
};

describe('OutboxUnitOfWork (real Postgres)', () => {
  let bed: TestBed;
  let unitOfWork: OutboxUnitOfWork;
  /** A session of its own LISTENing on the outbox channel, as every relay does. */
  let listener: Client;
  const notifications: Notification[] = [];

  const save = async (chat: Chat): Promise<void> =>
    unitOfWork.run(async () => {
      await unitOfWork.manager.query(
        'INSERT INTO messaging_test.chats (id, topic) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET topic = $2',
        [chat.id, chat.topic],
      );
      unitOfWork.track(chat);
    });
  const chats = async (): Promise<string[]> =>
    (await bed.dataSource.query('SELECT topic FROM messaging_test.chats ORDER BY topic')).map(
      (row: { topic: string }) => row.topic,
    );
  const outbox = async (): Promise<
    { routing_key: string; envelope: Record<string, any>; headers: Record<string, string> }[]
  > =>
    bed.dataSource.query(
      'SELECT routing_key, envelope, headers FROM messaging_test.outbox_messages ORDER BY created_at, id',
    );
  /** The notifications delivered so far: a round trip lets any one already sent arrive first. */
  const notified = async (): Promise<number> => {
    await listener.query('SELECT 1');
    return notifications.length;
  };

  beforeAll(async () => {
    bed = await testBed('unit_of_work');
    await bed.dataSource.query(
      'CREATE TABLE messaging_test.chats (id uuid PRIMARY KEY, topic text NOT NULL)',
    );
    unitOfWork = new OutboxUnitOfWork(bed.dataSource, bed.writer, {
      producer: 'test-service',
      events: chatEvents,
    });
    listener = new Client({ connectionString: bed.database.url });
    await listener.connect();
    listener.on('notification', (notification) => notifications.push(notification));
    await listener.query(`LISTEN "${messagingTables(bed.dataSource).notifyChannel}"`);
  });

  beforeEach(async () => {
    await bed.dataSource.query('TRUNCATE messaging_test.chats, messaging_test.outbox_messages');
    notifications.length = 0;
  });

  afterAll(async () => {
    await listener?.end();
    await bed?.close();
  });

  it('stores the aggregate and the contract of each event it recorded in one transaction', async () => {
    const chat = Chat.open('first');
    const context = createRequestContext({ correlationId: 'corr-uow-1' });
    await runWithRequestContext(context, () =>
      unitOfWork.run(async () => {
        expect(unitOfWork.inTransaction).toBe(true);
        await save(chat);
        await save(chat); // saved twice: its events are written once
      }),
    );
    expect(await chats()).toEqual(['first']);
    const [row, ...more] = await outbox();
    expect(more).toEqual([]);
    expect(row.routing_key).toBe('conversation.started');
    expect(row.envelope).toMatchObject({
      type: 'conversation.started',
      version: 1,
      producer: 'test-service',
      correlation_id: 'corr-uow-1',
      occurred_at: '2026-11-22T10:00:00.000Z',
      data: { conversation_id: chat.id },
    });
    expect(row.headers).toMatchObject({ 'x-correlation-id': 'corr-uow-1' });
    expect(chat.pendingEvents).toEqual([]);
    expect(unitOfWork.inTransaction).toBe(false);
  });

  it('rolls back the aggregate and its events when the work fails after the save', async () => {
    const chat = Chat.open('lost');
    await expect(
      unitOfWork.run(async () => {
        await save(chat);
        throw new Error('work failed after the save');
      }),
    ).rejects.toThrow('work failed after the save');
    expect(await chats()).toEqual([]);
    expect(await outbox()).toEqual([]);
  });

  it('refuses an event without a contract, and stores nothing of that transaction', async () => {
    const chat = Chat.open('renamed');
    chat.rename('renamed');
    await expect(save(chat)).rejects.toThrow('no integration event for domain event chat.renamed');
    expect(await chats()).toEqual([]);
    expect(await outbox()).toEqual([]);
  });

  it('wakes the relays when the transaction commits, not before, and not on a rollback', async () => {
    await unitOfWork.run(async () => {
      await save(Chat.open('woken'));
      expect(await notified()).toBe(0);
    });
    await waitFor(() => notifications.length === 1);
    await expect(
      unitOfWork.run(async () => {
        await save(Chat.open('rolled back'));
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await notified()).toBe(1);
    await unitOfWork.run(async () => undefined); // nothing saved: nothing to wake them for
    expect(await notified()).toBe(1);
  });

  it('joins an outer run: everything saved in it is written once, at its end', async () => {
    const [a, b] = [Chat.open('a'), Chat.open('b')];
    await unitOfWork.run(async () => {
      const outer = unitOfWork.manager;
      await save(a);
      await unitOfWork.run(async () => {
        expect(unitOfWork.manager).toBe(outer);
        await save(b);
      });
      expect(await outbox()).toEqual([]); // not written (nor visible) before the outer end
    });
    expect((await outbox()).map((row) => row.envelope.data.conversation_id).sort()).toEqual(
      [a.id, b.id].sort(),
    );
  });

  it('joins a transaction opened elsewhere (a consumer), which commits or rolls back the lot', async () => {
    await bed.dataSource.transaction((manager) =>
      unitOfWork.join(manager, async () => {
        expect(unitOfWork.manager).toBe(manager);
        await save(Chat.open('joined'));
      }),
    );
    await expect(
      bed.dataSource.transaction(async (manager) => {
        await unitOfWork.join(manager, () => save(Chat.open('undone')));
        throw new Error('the consumer failed');
      }),
    ).rejects.toThrow('the consumer failed');
    expect(await chats()).toEqual(['joined']);
    expect(await outbox()).toHaveLength(1);
    expect(() => unitOfWork.join(bed.dataSource.manager, async () => undefined)).toThrow(
      'join needs an EntityManager of an open transaction',
    );
  });

  describe('in one statement (writeInOneStatement)', () => {
    const insertOnce = (chat: Chat) =>
      unitOfWork.writeInOneStatement<{ id: string }>(
        {
          with: `added AS (
              INSERT INTO messaging_test.chats (id, topic) VALUES ($1, $2)
              ON CONFLICT (id) DO NOTHING RETURNING id
            )`,
          guard: 'added',
          parameters: [chat.id, chat.topic],
        },
        [chat],
      );

    it('alone: the rows and the events commit together, and the relay is woken in-process', async () => {
      const chat = Chat.open('alone');
      const context = createRequestContext({ correlationId: 'corr-uow-one' });
      let woken = 0;
      const stop = bed.writer.onCommitted(() => (woken += 1));
      const written = await runWithRequestContext(context, () => insertOnce(chat)).finally(stop);
      expect(written).toEqual([{ id: chat.id }]);
      expect(await chats()).toEqual(['alone']);
      const [row, ...more] = await outbox();
      expect(more).toEqual([]);
      expect(row.envelope).toMatchObject({
        type: 'conversation.started',
        correlation_id: 'corr-uow-one',
        data: { conversation_id: chat.id },
      });
      expect(row.headers).toMatchObject({ 'x-correlation-id': 'corr-uow-one' });
      // Woken at once, where it runs; no NOTIFY to wake it a second time through Postgres.
      expect(woken).toBe(1);
      expect(await notified()).toBe(0);
      expect(chat.pendingEvents).toEqual([]);
    });

    it('records no event when the guard wrote nothing, and wakes no relay', async () => {
      const chat = Chat.open('first');
      await insertOnce(chat);
      const again = Chat.open('again');
      Object.defineProperty(again, 'id', { value: chat.id });
      let woken = 0;
      const stop = bed.writer.onCommitted(() => (woken += 1));
      expect(await insertOnce(again).finally(stop)).toEqual([]);
      expect(woken).toBe(0);
      expect(await chats()).toEqual(['first']);
      expect(await outbox()).toHaveLength(1);
    });

    it('inside a unit of work: part of its transaction, rolled back with it', async () => {
      const chat = Chat.open('rolled back');
      await expect(
        unitOfWork.run(async () => {
          await insertOnce(chat);
          expect(await notified()).toBe(0); // the NOTIFY waits for the commit
          throw new Error('later work failed');
        }),
      ).rejects.toThrow('later work failed');
      expect(await chats()).toEqual([]);
      expect(await outbox()).toEqual([]);
      expect(await notified()).toBe(0);
    });

    it('inside a unit of work that commits: the relays hear of it through the NOTIFY', async () => {
      const chat = Chat.open('committed');
      await unitOfWork.run(() => insertOnce(chat));
      expect(await outbox()).toHaveLength(1);
      await waitFor(async () => (await notified()) === 1);
    });
  });

  it('uses the pool outside a unit of work, and refuses to track there (the events would be lost)', () => {
    expect(unitOfWork.manager).toBe(bed.dataSource.manager);
    expect(() => unitOfWork.track(Chat.open('stray'))).toThrow(
      'an aggregate can only be saved inside a unit of work',
    );
  });
});
