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
      afterSeq: 1,
      limit: 3,
    });
    expect(page.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(page.hasMore).toBe(true);
    const last = await handler.execute({
      caller: client,
      conversationId: conversation.id.toUpperCase(),
      afterSeq: 4,
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
        handler.execute({ caller, conversationId: id, afterSeq: 0, limit: 50 }),
      ).rejects.toThrow(NotFoundError);
    }
  });
});
