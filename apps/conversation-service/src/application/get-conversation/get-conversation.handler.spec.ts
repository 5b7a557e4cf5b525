import { NotFoundError, newId } from '@ajla/shared-kernel';
import {
  aCaller,
  aStoredConversation,
  FixedClock,
  InMemoryConversations,
  RecordingNotifier,
} from '../../../test/fakes';
import { PostMessageHandler } from '../post-message/post-message.handler';
import { GetConversationHandler } from './get-conversation.handler';
import type { MessageWindow } from './get-conversation.query';

describe('GetConversationHandler', () => {
  it('pages messages after a seq, saying whether more follow; 404 for others', async () => {
    const conversations = new InMemoryConversations();
    const client = aCaller('user');
    const conversation = await aStoredConversation(conversations, client.id);
    const post = new PostMessageHandler(
      conversations,
      conversations,
      new RecordingNotifier(),
      new FixedClock(),
    );
    for (let i = 0; i < 4; i++) {
      await post.execute({ caller: client, conversationId: conversation.id, content: `m${i}` });
    }
    const handler = new GetConversationHandler(conversations);
    const page = await handler.execute({
      caller: aCaller('admin'),
      conversationId: conversation.id,
      window: { kind: 'after', seq: 1 },
      limit: 3,
    });
    expect(page.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(page.hasMore).toBe(true);
    const last = await handler.execute({
      caller: client,
      conversationId: conversation.id.toUpperCase(),
      window: { kind: 'after', seq: 4 },
      limit: 3,
    });
    expect(last.messages.map((m) => m.seq)).toEqual([5]);
    expect(last.hasMore).toBe(false);
    for (const [caller, id] of [
      [aCaller('user'), conversation.id],
      [client, newId()],
      [client, 'nope'],
    ] as const) {
      await expect(
        handler.execute({
          caller,
          conversationId: id,
          window: { kind: 'latest' },
          limit: 50,
        }),
      ).rejects.toThrow(NotFoundError);
    }
  });

  it('pages backward: the newest page first, then older ones, ascending, with last_seq', async () => {
    const conversations = new InMemoryConversations();
    const client = aCaller('user');
    const conversation = await aStoredConversation(conversations, client.id);
    const post = new PostMessageHandler(
      conversations,
      conversations,
      new RecordingNotifier(),
      new FixedClock(),
    );
    for (let i = 0; i < 6; i++) {
      await post.execute({ caller: client, conversationId: conversation.id, content: `m${i}` });
    }
    const handler = new GetConversationHandler(conversations);
    const page = (window: MessageWindow, limit: number) =>
      handler.execute({ caller: client, conversationId: conversation.id, window, limit });

    const newest = await page({ kind: 'latest' }, 3);
    expect(newest.messages.map((m) => m.seq)).toEqual([5, 6, 7]);
    expect(newest.hasMore).toBe(true);
    expect(newest.lastSeq).toBe(7);
    const older = await page({ kind: 'before', seq: 5 }, 3);
    expect(older.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(older.hasMore).toBe(true);
    const oldest = await page({ kind: 'before', seq: 2 }, 3);
    expect(oldest.messages.map((m) => m.seq)).toEqual([1]);
    expect(oldest.hasMore).toBe(false);
    expect(oldest.lastSeq).toBe(7);
    // Exactly the rest: no more.
    expect((await page({ kind: 'before', seq: 4 }, 3)).hasMore).toBe(false);
    expect((await page({ kind: 'before', seq: 1 }, 3)).messages).toEqual([]);
    // Past the end: the newest messages, as latest does.
    expect((await page({ kind: 'before', seq: 1000 }, 2)).messages.map((m) => m.seq)).toEqual([
      6, 7,
    ]);
    const whole = await page({ kind: 'latest' }, 200);
    expect(whole.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(whole.hasMore).toBe(false);
  });
});
