import { newId } from '@ajla/shared-kernel';
import { PersistenceBed } from '../../../test/persistence';
import type { ConversationId, UserId } from '../../domain/ids';
import { PostgresUnreadCounts, UNREAD_COUNTS_SQL } from './postgres-unread-counts';

jest.setTimeout(60_000);

describe('PostgresUnreadCounts (real Postgres)', () => {
  let bed: PersistenceBed;
  let counts: PostgresUnreadCounts;

  beforeAll(async () => {
    bed = await PersistenceBed.create('conversations_unread');
    counts = new PostgresUnreadCounts(bed.db.dataSource);
  });

  afterAll(async () => {
    await bed?.close();
  });

  const user = () => newId<'UserId'>() as UserId;

  it("counts others' messages above each reader's mark, in one statement for the batch", async () => {
    const [client, agent, other] = [user(), user(), user()];
    const a = await bed.aConversation(client);
    const b = await bed.aConversation(other);
    const c = await bed.aConversation(client);
    await bed.messages.append(bed.draft(a)); // 2, client
    await bed.messages.append(bed.draft(a, { senderId: agent, senderType: 'admin' })); // 3, agent
    await bed.messages.append(bed.draft(a)); // 4, client
    await bed.messages.append(bed.draft(b, { senderId: null, senderType: 'system' })); // 2, system
    await bed.conversations.markRead(a.id, agent, 2, new Date());
    await bed.conversations.markRead(c.id, agent, 1, new Date());

    const query = jest.spyOn(bed.db.dataSource, 'query');
    const ids = [a.id, b.id, c.id, newId() as ConversationId];
    const forAgent = await counts.unreadCounts(ids, { reader: agent, clientOnly: null });
    expect(query).toHaveBeenCalledTimes(1);
    query.mockRestore();
    expect(
      forAgent.sort((x, y) => ids.indexOf(x.conversationId) - ids.indexOf(y.conversationId)),
    ).toEqual([
      // seq 3 is the agent's own: only 4 is unread.
      { conversationId: a.id, unread: 1, lastSeq: 4, readSeq: 2 },
      // A system message is someone else's too.
      { conversationId: b.id, unread: 2, lastSeq: 2, readSeq: 0 },
      { conversationId: c.id, unread: 0, lastSeq: 1, readSeq: 1 },
    ]);

    // A client: their own conversations only; their own messages never count.
    const forClient = await counts.unreadCounts(ids, { reader: client, clientOnly: client });
    expect(forClient.map((x) => [x.conversationId, x.unread]).sort()).toEqual(
      [
        [a.id, 1],
        [c.id, 0],
      ].sort(),
    );
    expect(await counts.unreadCounts([], { reader: agent, clientOnly: null })).toEqual([]);
  });

  it('reads through indexes only (the batch by key, marks and messages by theirs), never a whole table', async () => {
    const runner = bed.db.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.query('SET search_path TO conversations');
      // The tables of a test are tiny (a sequential scan would be cheapest): forbid it to see
      // which indexes the statement can use.
      await runner.query('SET enable_seqscan = off');
      const rows: { 'QUERY PLAN': string }[] = await runner.query(`EXPLAIN ${UNREAD_COUNTS_SQL}`, [
        [newId(), newId()],
        newId(),
        null,
      ]);
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).not.toMatch(/Seq Scan/);
      expect(plan).toMatch(/conversations_pkey/);
      expect(plan).toMatch(/read_states_(pkey|user_id_idx)/);
      expect(plan).toMatch(/messages_conversation_id_seq_key/);
    } finally {
      await runner.query('RESET enable_seqscan').catch(() => undefined);
      await runner.release();
    }
  });
});
