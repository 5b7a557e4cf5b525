import { newId } from '@ajla/shared-kernel';
import { PersistenceBed } from '../../../test/persistence';
import { Conversation } from '../../domain/conversation/conversation.aggregate';
import { RequestHasConversation } from '../../domain/conversation/conversation.repository.port';
import { OpeningText } from '../../domain/conversation/opening-text.value-object';
import type { ConversationId, RequestId, UserId } from '../../domain/ids';
import { CorruptRowError } from './mappers';
import { conversationServiceMigrations } from './migrations';

jest.setTimeout(60_000);

describe('conversation-service persistence (real Postgres)', () => {
  let bed: PersistenceBed;
  let db: PersistenceBed['db'];
  let unitOfWork: PersistenceBed['unitOfWork'];
  let conversations: PersistenceBed['conversations'];
  let messages: PersistenceBed['messages'];

  beforeAll(async () => {
    bed = await PersistenceBed.create('conversations_persistence');
    ({ db, unitOfWork, conversations, messages } = bed);
  });

  afterAll(async () => {
    await bed?.close();
  });

  const client = () => newId<'UserId'>() as UserId;
  const aConversation = (userId?: UserId) => bed.aConversation(userId);
  const draft: PersistenceBed['draft'] = (conversation, overrides) =>
    bed.draft(conversation, overrides);
  const outboxOf = (conversationId: string) => bed.outboxOf(conversationId);

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

  const aNewStart = (description: string) =>
    Conversation.start({
      id: newId<'ConversationId'>() as ConversationId,
      requestId: newId<'RequestId'>() as RequestId,
      userId: client(),
      description: OpeningText.create(description),
      createdAt: new Date(),
    });

  it('starts a conversation in one statement: alone it commits by itself, in a unit of work with it', async () => {
    const alone = aNewStart('Opera tickets');
    expect(await conversations.start(alone.conversation, alone.opening)).toBe(true);
    expect(await outboxOf(alone.conversation.id)).toEqual([
      'conversation.started',
      'message.created',
    ]);
    expect(await conversations.messagesAfter(alone.conversation.id, 0, 10)).toHaveLength(1);

    const rolledBack = aNewStart('A boat');
    await expect(
      unitOfWork.run(async () => {
        await conversations.start(rolledBack.conversation, rolledBack.opening);
        throw new Error('the rest of the work failed');
      }),
    ).rejects.toThrow('the rest of the work failed');
    expect(await conversations.findById(rolledBack.conversation.id)).toBeUndefined();
    expect(await outboxOf(rolledBack.conversation.id)).toEqual([]);
  });

  it('reads messages backward: newest first, before a seq, without sorting the conversation', async () => {
    const conversation = await aConversation();
    for (let i = 0; i < 4; i++) await messages.append(draft(conversation));
    const seqs = async (before: number | undefined, limit: number) =>
      (await conversations.messagesBefore(conversation.id, before, limit)).map((m) => m.seq);
    expect(await seqs(undefined, 2)).toEqual([5, 4]);
    expect(await seqs(undefined, 10)).toEqual([5, 4, 3, 2, 1]);
    expect(await seqs(4, 2)).toEqual([3, 2]);
    expect(await seqs(2, 10)).toEqual([1]);
    expect(await seqs(1, 10)).toEqual([]);
    // The unique (conversation_id, seq) index read backward, stopping at the limit: no Sort.
    await db.dataSource.transaction(async (manager) => {
      // A few rows: without these the planner would rather read them all and sort.
      for (const off of ['enable_seqscan', 'enable_bitmapscan', 'enable_sort']) {
        await manager.query(`SET LOCAL ${off} = off`);
      }
      for (const [sql, params] of [
        [
          'SELECT * FROM conversations.messages WHERE conversation_id = $1 ORDER BY seq DESC LIMIT $2',
          [conversation.id, 2],
        ],
        [
          'SELECT * FROM conversations.messages WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
          [conversation.id, 4, 2],
        ],
      ] as const) {
        const plan: { 'QUERY PLAN': string }[] = await manager.query(`EXPLAIN ${sql}`, [...params]);
        const text = plan.map((row) => row['QUERY PLAN']).join('\n');
        expect(text).toMatch(/Index (Only )?Scan Backward using messages_conversation_id_seq_key/);
        expect(text).not.toContain('Sort');
      }
    });
  });

  it('moves read marks forwards only', async () => {
    const conversation = await aConversation();
    const reader = client();
    const now = new Date();
    expect(await conversations.markRead(conversation.id, reader, 1, now)).toBe(true);
    expect(await conversations.markRead(conversation.id, reader, 1, now)).toBe(false);
    await messages.append(draft(conversation));
    expect(await conversations.markRead(conversation.id, reader, 2, now)).toBe(true);
    expect(await conversations.markRead(conversation.id, reader, 1, now)).toBe(false);
    const rows = await db.dataSource.query(
      'SELECT last_read_seq FROM conversations.read_states WHERE conversation_id = $1',
      [conversation.id],
    );
    expect(rows).toEqual([{ last_read_seq: 2 }]);
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
