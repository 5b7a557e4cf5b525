import { parseEnvelope } from '@ajla/contracts';
import { OutboxUnitOfWork, OutboxWriter } from '@ajla/messaging';
import { createDataSource } from '@ajla/platform';
import { newId } from '@ajla/shared-kernel';
import { migratedDatabase, type MigratedDatabase } from '@ajla/testing';
import { Conversation } from '../../domain/conversation/conversation.aggregate';
import {
  ClientIdTaken,
  RequestHasConversation,
} from '../../domain/conversation/conversation.repository.port';
import type { MessageDraft } from '../../domain/conversation/message.aggregate';
import { OpeningText } from '../../domain/conversation/opening-text.value-object';
import type {
  ClientMessageId,
  ConversationId,
  MessageId,
  RequestId,
  UserId,
} from '../../domain/ids';
import {
  conversationIntegrationEventMapper,
  PRODUCER,
} from '../messaging/conversation-integration-event.mapper';
import { CONVERSATIONS_SCHEMA, conversationServiceEntities } from './entities';
import { CorruptRowError } from './mappers';
import { conversationServiceMigrations } from './migrations';
import { TypeOrmConversationRepository } from './typeorm-conversation.repository';

jest.setTimeout(60_000);

describe('conversation-service persistence (real Postgres)', () => {
  let db: MigratedDatabase;
  let unitOfWork: OutboxUnitOfWork;
  let conversations: TypeOrmConversationRepository;
  let outbox: OutboxWriter;
  let commits = 0;

  beforeAll(async () => {
    db = await migratedDatabase('conversations_persistence', (url) =>
      createDataSource({
        url,
        schema: CONVERSATIONS_SCHEMA,
        entities: conversationServiceEntities,
        migrations: conversationServiceMigrations,
        poolSize: 20,
      }),
    );
    outbox = new OutboxWriter();
    outbox.onCommitted(() => (commits += 1));
    unitOfWork = new OutboxUnitOfWork(db.dataSource, outbox, {
      producer: PRODUCER,
      events: conversationIntegrationEventMapper,
    });
    conversations = new TypeOrmConversationRepository(unitOfWork, outbox, db.dataSource);
  });

  afterAll(async () => {
    await db?.close();
  });

  const client = () => newId<'UserId'>() as UserId;

  async function aConversation(userId = client()): Promise<Conversation> {
    const { conversation, opening } = Conversation.start({
      id: newId<'ConversationId'>() as ConversationId,
      requestId: newId<'RequestId'>() as RequestId,
      userId,
      description: OpeningText.create('A table for two'),
      createdAt: new Date('2026-11-22T10:00:00.123Z'),
    });
    expect(await unitOfWork.run(() => conversations.start(conversation, opening))).toBe(true);
    return conversation;
  }

  const draft = (conversation: Conversation, overrides: Partial<MessageDraft> = {}) =>
    ({
      id: newId<'MessageId'>() as MessageId,
      conversationId: conversation.id,
      requestId: conversation.requestId,
      conversationUserId: conversation.userId,
      senderId: conversation.userId,
      senderType: 'user',
      content: 'hello 👋',
      clientId: null,
      createdAt: new Date(),
      ...overrides,
    }) as MessageDraft;

  const outboxOf = async (conversationId: string): Promise<string[]> =>
    (
      await db.dataSource.query(
        `SELECT routing_key FROM conversations.outbox_messages
         WHERE envelope->'data'->>'conversation_id' = $1 ORDER BY seq`,
        [conversationId],
      )
    ).map((row: { routing_key: string }) => row.routing_key);

  describe('migrations', () => {
    it('creates its tables in the conversations schema, with the indexes it needs', async () => {
      const tables: { table_name: string }[] = await db.dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'conversations' ORDER BY table_name`,
      );
      expect(tables.map((t) => t.table_name)).toEqual([
        'conversations',
        'inbox_messages',
        'messages',
        'migrations',
        'outbox_messages',
        'read_states',
      ]);
      const indexes: { indexdef: string }[] = await db.dataSource.query(
        `SELECT indexdef FROM pg_indexes WHERE schemaname = 'conversations'
           AND tablename IN ('conversations', 'messages', 'read_states')`,
      );
      const defs = indexes.map((r) => r.indexdef.replace(/^.* ON conversations\./, ''));
      // Dropped by a later migration: no query reads messages by sender.
      expect(defs).not.toContain('messages USING btree (sender_id)');
      expect(defs).toEqual(
        expect.arrayContaining([
          'conversations USING btree (request_id)',
          'conversations USING btree (user_id, created_at DESC)',
          'messages USING btree (conversation_id, seq)',
          'messages USING btree (conversation_id, client_id)',
          'read_states USING btree (conversation_id, user_id)',
          'read_states USING btree (user_id)',
        ]),
      );
    });

    it('has nothing pending, and can be undone and redone', async () => {
      expect(await db.dataSource.showMigrations()).toBe(false);
      for (let i = 0; i < conversationServiceMigrations.length; i++) {
        await db.dataSource.undoLastMigration();
      }
      await db.dataSource.runMigrations();
      expect(await db.dataSource.showMigrations()).toBe(false);
    });
  });

  it('starts a conversation once, with its opening message and both events', async () => {
    const userId = client();
    const conversation = await aConversation(userId);
    const again = Conversation.start({
      id: conversation.id,
      requestId: conversation.requestId,
      userId,
      description: OpeningText.create('something else'),
      createdAt: new Date(),
    });
    expect(await unitOfWork.run(() => conversations.start(again.conversation, again.opening))).toBe(
      false,
    );
    expect(await outboxOf(conversation.id)).toEqual(['conversation.started', 'message.created']);
    const stored = await conversations.findById(conversation.id);
    expect(stored).toMatchObject({ lastSeq: 1, userId, requestId: conversation.requestId });
    expect(stored!.createdAt).toEqual(conversation.createdAt);
    const messages = await conversations.messagesAfter(conversation.id, 0, 10);
    expect(messages.map((m) => [m.seq, m.content])).toEqual([[1, 'A table for two']]);

    const otherId = Conversation.start({
      id: newId<'ConversationId'>() as ConversationId,
      requestId: conversation.requestId,
      userId,
      description: OpeningText.create('x'),
      createdAt: new Date(),
    });
    await expect(
      unitOfWork.run(() => conversations.start(otherId.conversation, otherId.opening)),
    ).rejects.toThrow(RequestHasConversation);
  });

  it('gives 200 concurrent writers of one conversation the seqs 2..201, no gap, no duplicate', async () => {
    const conversation = await aConversation();
    const before = commits;
    // The hot path: each append alone, one statement; half of them inside units of work.
    const stored = await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const append = () =>
          conversations.appendMessage(draft(conversation, { content: `message ${i}` }));
        return i % 2 === 0 ? append() : unitOfWork.run(append);
      }),
    );
    expect(stored.map((m) => m!.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 2),
    );
    const page = await conversations.messagesAfter(conversation.id, 0, 500);
    expect(page.map((m) => m.seq)).toEqual(Array.from({ length: 201 }, (_, i) => i + 1));
    expect((await conversations.findById(conversation.id))!.lastSeq).toBe(201);
    expect((await outboxOf(conversation.id)).filter((k) => k === 'message.created')).toHaveLength(
      201,
    );
    // The appends outside units of work went in batches, each of which told the relay once; the
    // others NOTIFY at their commit.
    expect(commits - before).toBeGreaterThanOrEqual(1);
    expect(commits - before).toBeLessThan(100);
  });

  describe('appends outside a unit of work, in batches', () => {
    const seqsOf = async (id: ConversationId) =>
      (await conversations.messagesAfter(id, 0, 500)).map((m) => [m.seq, m.content]);

    it('gives each conversation of a batch its next seqs, in the order the messages came', async () => {
      const [a, b, c] = await Promise.all([aConversation(), aConversation(), aConversation()]);
      const order = [a, b, a, c, b, a, c, a];
      const before = commits;
      const stored = await Promise.all(
        order.map((conversation, i) =>
          conversations.appendMessage(draft(conversation, { content: `m${i}` })),
        ),
      );
      expect(stored.map((m) => [m!.conversationId, m!.seq])).toEqual([
        [a.id, 2],
        [b.id, 2],
        [a.id, 3],
        [c.id, 2],
        [b.id, 3],
        [a.id, 4],
        [c.id, 3],
        [a.id, 5],
      ]);
      // One statement, one commit: the relay was told once.
      expect(commits - before).toBe(1);
      expect(await seqsOf(a.id)).toEqual([
        [1, 'A table for two'],
        [2, 'm0'],
        [3, 'm2'],
        [4, 'm5'],
        [5, 'm7'],
      ]);
      expect((await conversations.findById(c.id))!.lastSeq).toBe(3);
      // Each message's event carries its seq.
      const events: { seq: number; content: string }[] = await db.dataSource.query(
        `SELECT (envelope->'data'->>'seq')::int AS seq, envelope->'data'->>'content' AS content
           FROM conversations.outbox_messages
          WHERE envelope->'data'->>'conversation_id' = $1 AND routing_key = 'message.created'
          ORDER BY seq`,
        [b.id],
      );
      expect(events).toEqual([
        { seq: 1, content: 'A table for two' },
        { seq: 2, content: 'm1' },
        { seq: 3, content: 'm4' },
      ]);
    });

    it('leaves out a message of a conversation that does not exist, and stores the others', async () => {
      const conversation = await aConversation();
      const [kept, missing, alsoKept] = await Promise.all([
        conversations.appendMessage(draft(conversation, { content: 'one' })),
        conversations.appendMessage(
          draft(conversation, { conversationId: newId<'ConversationId'>() as ConversationId }),
        ),
        conversations.appendMessage(draft(conversation, { content: 'two' })),
      ]);
      expect(missing).toBeUndefined();
      expect([kept!.seq, alsoKept!.seq]).toEqual([2, 3]);
      expect(await outboxOf(conversation.id)).toHaveLength(4);
    });

    it('a client id used already fails only its own message, with no gap in the seqs', async () => {
      const conversation = await aConversation();
      const clientId = newId<'ClientMessageId'>() as ClientMessageId;
      await conversations.appendMessage(draft(conversation, { clientId, content: 'first' }));
      const outcomes = await Promise.allSettled([
        conversations.appendMessage(draft(conversation, { content: 'before' })),
        conversations.appendMessage(draft(conversation, { clientId, content: 'resent' })),
        conversations.appendMessage(draft(conversation, { content: 'after' })),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ClientIdTaken);
      expect(await seqsOf(conversation.id)).toEqual([
        [1, 'A table for two'],
        [2, 'first'],
        [3, 'before'],
        [4, 'after'],
      ]);
      expect(await outboxOf(conversation.id)).toHaveLength(5);
    });

    it('the same client id twice in one batch stores the message once', async () => {
      const conversation = await aConversation();
      const clientId = newId<'ClientMessageId'>() as ClientMessageId;
      const outcomes = await Promise.allSettled([
        conversations.appendMessage(draft(conversation, { clientId, content: 'once' })),
        conversations.appendMessage(draft(conversation, { clientId, content: 'once' })),
      ]);
      expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(await seqsOf(conversation.id)).toEqual([
        [1, 'A table for two'],
        [2, 'once'],
      ]);
    });

    it('refuses a message that breaks a check, storing the rest of its batch', async () => {
      const conversation = await aConversation();
      const outcomes = await Promise.allSettled([
        conversations.appendMessage(draft(conversation, { content: 'fine' })),
        conversations.appendMessage(draft(conversation, { content: 'x'.repeat(4001) })),
      ]);
      expect(outcomes[0].status).toBe('fulfilled');
      expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(
        expect.objectContaining({ message: expect.stringMatching(/messages_content_length/) }),
      );
      expect(await seqsOf(conversation.id)).toEqual([
        [1, 'A table for two'],
        [2, 'fine'],
      ]);
    });

    it('concurrent batches over the same conversations neither deadlock nor leave gaps', async () => {
      const many = await Promise.all(Array.from({ length: 5 }, () => aConversation()));
      // Waves in reverse orders: batches that would lock the rows in opposite orders.
      const waves = Array.from({ length: 20 }, (_, w) => (w % 2 ? [...many].reverse() : many));
      await Promise.all(
        waves.map(async (wave, w) => {
          await new Promise((resolve) => setTimeout(resolve, w % 3));
          await Promise.all(wave.map((c) => conversations.appendMessage(draft(c))));
        }),
      );
      for (const c of many) {
        expect((await seqsOf(c.id)).map(([seq]) => seq)).toEqual(
          Array.from({ length: 21 }, (_, i) => i + 1),
        );
      }
    });
  });

  it("stores each message's event with the seq the statement gave it, within its contract", async () => {
    const conversation = await aConversation();
    const clientId = newId<'ClientMessageId'>() as ClientMessageId;
    const appended = [
      await conversations.appendMessage(draft(conversation, { clientId })),
      await conversations.appendMessage(draft(conversation, { content: 'second' })),
    ];
    expect(appended.map((m) => m!.seq)).toEqual([2, 3]);
    // Its event went to the outbox with it, not into the aggregate: nothing left to pull.
    expect(appended[0]!.pullEvents()).toEqual([]);
    const rows: { id: string; routing_key: string; envelope: unknown; headers: unknown }[] =
      await db.dataSource.query(
        `SELECT id, routing_key, envelope, headers FROM conversations.outbox_messages
          WHERE envelope->'data'->>'conversation_id' = $1 AND (envelope->'data'->>'seq')::int > 1
          ORDER BY seq`,
        [conversation.id],
      );
    expect(rows.map((row) => parseEnvelope(row.envelope))).toEqual([
      expect.objectContaining({
        id: rows[0].id,
        type: 'message.created',
        producer: 'conversation-service',
        data: expect.objectContaining({
          message_id: appended[0]!.id,
          seq: 2,
          client_id: clientId,
          content: 'hello 👋',
          user_id: conversation.userId,
        }),
      }),
      expect.objectContaining({
        data: expect.objectContaining({ message_id: appended[1]!.id, seq: 3, client_id: null }),
      }),
    ]);
    expect(rows.map((row) => row.routing_key)).toEqual(['message.created', 'message.created']);
  });

  it('takes no seq and writes no event when the message is not stored', async () => {
    const conversation = await aConversation();
    const clientId = newId<'ClientMessageId'>() as ClientMessageId;
    await unitOfWork.run(() => conversations.appendMessage(draft(conversation, { clientId })));
    await expect(
      unitOfWork.run(() => conversations.appendMessage(draft(conversation, { clientId }))),
    ).rejects.toThrow(ClientIdTaken);
    await expect(
      unitOfWork.run(async () => {
        await conversations.appendMessage(draft(conversation));
        throw new Error('later in the same unit of work');
      }),
    ).rejects.toThrow('later');
    const next = await unitOfWork.run(() => conversations.appendMessage(draft(conversation)));
    expect(next!.seq).toBe(3);
    expect((await conversations.findByClientId(conversation.id, clientId))!.seq).toBe(2);
    expect(await outboxOf(conversation.id)).toHaveLength(4);
    expect(
      await unitOfWork.run(() =>
        conversations.appendMessage(
          draft(conversation, { conversationId: newId<'ConversationId'>() as ConversationId }),
        ),
      ),
    ).toBeUndefined();
  });

  it('moves read marks forwards only', async () => {
    const conversation = await aConversation();
    const reader = client();
    const now = new Date();
    expect(await conversations.markRead(conversation.id, reader, 1, now)).toBe(true);
    expect(await conversations.markRead(conversation.id, reader, 1, now)).toBe(false);
    await unitOfWork.run(() => conversations.appendMessage(draft(conversation)));
    expect(await conversations.markRead(conversation.id, reader, 2, now)).toBe(true);
    expect(await conversations.markRead(conversation.id, reader, 1, now)).toBe(false);
    const rows = await db.dataSource.query(
      'SELECT last_read_seq FROM conversations.read_states WHERE conversation_id = $1',
      [conversation.id],
    );
    expect(rows).toEqual([{ last_read_seq: 2 }]);
  });

  it('refuses a chat message over 4000 characters in the database too, but not the opening one', async () => {
    const conversation = await aConversation();
    await expect(
      unitOfWork.run(() =>
        conversations.appendMessage(draft(conversation, { content: 'x'.repeat(4001) })),
      ),
    ).rejects.toThrow(/messages_content_length/);
  });

  it('turns a corrupt row into an error that says which', async () => {
    const conversation = await aConversation();
    // The check constraint would refuse the corruption: a hand edit that went around it.
    await db.dataSource.query(
      'ALTER TABLE conversations.messages DROP CONSTRAINT messages_sender_type_check',
    );
    await db.dataSource.query(
      `UPDATE conversations.messages SET sender_type = 'robot' WHERE conversation_id = $1`,
      [conversation.id],
    );
    await expect(conversations.messagesAfter(conversation.id, 0, 10)).rejects.toThrow(
      CorruptRowError,
    );
  });
});
