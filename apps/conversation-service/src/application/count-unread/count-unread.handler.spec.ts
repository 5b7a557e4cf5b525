import { newId, ValidationError } from '@ajla/shared-kernel';
import {
  aCaller,
  aStoredConversation,
  FixedClock,
  InMemoryConversations,
  RecordingNotifier,
} from '../../../test/fakes';
import { MarkReadHandler } from '../mark-read/mark-read.handler';
import { PostMessageHandler } from '../post-message/post-message.handler';
import { CountUnreadHandler, MAX_UNREAD_IDS } from './count-unread.handler';

describe('CountUnreadHandler', () => {
  const setUp = async () => {
    const conversations = new InMemoryConversations();
    const client = aCaller('user');
    const agent = aCaller('agent');
    const mine = await aStoredConversation(conversations, client.id);
    const theirs = await aStoredConversation(conversations, aCaller('user').id);
    const post = new PostMessageHandler(
      conversations,
      conversations,
      new RecordingNotifier(),
      new FixedClock(),
    );
    const say = (caller = client, conversationId: string = mine.id) =>
      post.execute({ caller, conversationId, content: 'hello' });
    const read = new MarkReadHandler(conversations, new RecordingNotifier(), new FixedClock());
    const handler = new CountUnreadHandler(conversations);
    return { client, agent, mine, theirs, say, read, handler };
  };

  it("counts others' messages above the reader's mark, never the reader's own", async () => {
    const { client, agent, mine, say, read, handler } = await setUp();
    await say(client);
    await say(client);
    // seq 1 (the description) and 2, 3 from the client: all unread for the agent.
    expect(await handler.execute({ caller: agent, ids: mine.id })).toEqual([
      { conversationId: mine.id, unread: 3, lastSeq: 3, readSeq: 0 },
    ]);
    await say(agent);
    await read.execute({ caller: agent, conversationId: mine.id, seq: 2 });
    // Seq 3 is the client's and unread; seq 4 is the agent's own.
    expect(await handler.execute({ caller: agent, ids: mine.id })).toEqual([
      { conversationId: mine.id, unread: 1, lastSeq: 4, readSeq: 2 },
    ]);
    await read.execute({ caller: agent, conversationId: mine.id, seq: 4 });
    expect((await handler.execute({ caller: agent, ids: mine.id }))[0]!.unread).toBe(0);
    // The client has read nothing, but only the agent's reply is someone else's.
    expect((await handler.execute({ caller: client, ids: mine.id }))[0]!.unread).toBe(1);
  });

  it('answers in the order asked, once per id; staff see any, a client only their own', async () => {
    const { client, agent, mine, theirs, handler } = await setUp();
    const unknown = newId();
    const ids = [theirs.id, unknown, mine.id.toUpperCase(), mine.id].join(',');
    const forAgent = await handler.execute({ caller: agent, ids });
    expect(forAgent.map((c) => c.conversationId)).toEqual([theirs.id, mine.id]);
    const forClient = await handler.execute({ caller: client, ids });
    expect(forClient.map((c) => c.conversationId)).toEqual([mine.id]);
    expect(await handler.execute({ caller: aCaller('user'), ids })).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['not a UUID', 'nope'],
    ['an empty item', `${newId()},`],
    ['spaces', ` ${newId()}`],
    ['too many', Array.from({ length: MAX_UNREAD_IDS + 1 }, () => newId()).join(',')],
  ])('refuses %s with a validation error', async (_what, ids) => {
    const { agent, handler } = await setUp();
    await expect(handler.execute({ caller: agent, ids })).rejects.toThrow(ValidationError);
  });

  it(`takes ${MAX_UNREAD_IDS} ids`, async () => {
    const { agent, mine, handler } = await setUp();
    const ids = [mine.id, ...Array.from({ length: MAX_UNREAD_IDS - 1 }, () => newId())];
    expect(await handler.execute({ caller: agent, ids: ids.join(',') })).toHaveLength(1);
  });
});
