import { parseEnvelope } from '@ajla/contracts';
import { newId } from '@ajla/shared-kernel';
import type { Pool } from 'pg';
import { PersistenceBed } from '../../../../test/persistence';
import { ClientIdTaken } from '../../../domain/conversation/message-log.port';
import type { ClientMessageId, ConversationId, UserId } from '../../../domain/ids';

jest.setTimeout(60_000);

describe('PostgresMessageLog (real Postgres)', () => {
  let bed: PersistenceBed;
  let db: PersistenceBed['db'];
  let conversations: PersistenceBed['conversations'];
  let messages: PersistenceBed['messages'];
  let commits = 0;

  beforeAll(async () => {
    bed = await PersistenceBed.create('conversations_message_log');
    ({ db, conversations, messages } = bed);
    bed.outbox.onCommitted(() => (commits += 1));
  });

  afterAll(async () => {
    await bed?.close();
  });

  const aConversation = (userId?: UserId) => bed.aConversation(userId);
  const draft: PersistenceBed['draft'] = (conversation, overrides) =>
    bed.draft(conversation, overrides);
  const outboxOf = (conversationId: string) => bed.outboxOf(conversationId);

  it('gives 200 concurrent writers of one conversation the seqs 2..201, no gap, no duplicate', async () => {
    const conversation = await aConversation();
    const before = commits;
    const stored = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        messages.append(draft(conversation, { content: `message ${i}` })),
      ),
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
    // They went in batches, each of which told the relay once.
    expect(commits - before).toBeGreaterThanOrEqual(1);
    expect(commits - before).toBeLessThan(100);
  });

  describe('appends at about the same time, in batches', () => {
    const seqsOf = async (id: ConversationId) =>
      (await conversations.messagesAfter(id, 0, 500)).map((m) => [m.seq, m.content]);

    it('gives each conversation of a batch its next seqs, in the order the messages came', async () => {
      const [a, b, c] = await Promise.all([aConversation(), aConversation(), aConversation()]);
      const order = [a, b, a, c, b, a, c, a];
      const before = commits;
      // The message log's statements run on the pool (reads check out a connection of it).
      const pool = (db.dataSource.driver as unknown as { master: Pool }).master;
      const statements = jest.spyOn(pool, 'query');
      const stored = await Promise.all(
        order.map((conversation, i) => messages.append(draft(conversation, { content: `m${i}` }))),
      );
      // Eight messages, one statement (one round trip), one commit: the relay was told once.
      expect(statements).toHaveBeenCalledTimes(1);
      statements.mockRestore();
      expect(commits - before).toBe(1);
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
        messages.append(draft(conversation, { content: 'one' })),
        messages.append(
          draft(conversation, { conversationId: newId<'ConversationId'>() as ConversationId }),
        ),
        messages.append(draft(conversation, { content: 'two' })),
      ]);
      expect(missing).toBeUndefined();
      expect([kept!.seq, alsoKept!.seq]).toEqual([2, 3]);
      expect(await outboxOf(conversation.id)).toHaveLength(4);
    });

    it('a client id used already fails only its own message, with no gap in the seqs', async () => {
      const conversation = await aConversation();
      const clientId = newId<'ClientMessageId'>() as ClientMessageId;
      await messages.append(draft(conversation, { clientId, content: 'first' }));
      const outcomes = await Promise.allSettled([
        messages.append(draft(conversation, { content: 'before' })),
        messages.append(draft(conversation, { clientId, content: 'resent' })),
        messages.append(draft(conversation, { content: 'after' })),
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
        messages.append(draft(conversation, { clientId, content: 'once' })),
        messages.append(draft(conversation, { clientId, content: 'once' })),
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
        messages.append(draft(conversation, { content: 'fine' })),
        messages.append(draft(conversation, { content: 'x'.repeat(4001) })),
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
          await Promise.all(wave.map((c) => messages.append(draft(c))));
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
      await messages.append(draft(conversation, { clientId })),
      await messages.append(draft(conversation, { content: 'second' })),
    ];
    expect(appended.map((m) => m!.seq)).toEqual([2, 3]);
    // Built from the stored row: its event went to the outbox with it, nothing left to pull.
    expect(appended[0]).toMatchObject({ clientId, content: 'hello 👋', senderType: 'user' });
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
    await messages.append(draft(conversation, { clientId }));
    await expect(messages.append(draft(conversation, { clientId }))).rejects.toThrow(ClientIdTaken);
    const next = await messages.append(draft(conversation));
    expect(next!.seq).toBe(3);
    expect((await conversations.findByClientId(conversation.id, clientId))!.seq).toBe(2);
    expect(await outboxOf(conversation.id)).toHaveLength(4);
    expect(
      await messages.append(
        draft(conversation, { conversationId: newId<'ConversationId'>() as ConversationId }),
      ),
    ).toBeUndefined();
  });

  it('refuses a chat message over 4000 characters in the database too', async () => {
    const conversation = await aConversation();
    await expect(
      messages.append(draft(conversation, { content: 'x'.repeat(4001) })),
    ).rejects.toThrow(/messages_content_length/);
  });
});
