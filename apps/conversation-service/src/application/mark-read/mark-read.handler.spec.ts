import { NotFoundError, ValidationError } from '@ajla/shared-kernel';
import {
  aCaller,
  aStoredConversation,
  FixedClock,
  InMemoryConversations,
  RecordingNotifier,
} from '../../../test/fakes';
import { MarkReadHandler } from './mark-read.handler';

describe('MarkReadHandler', () => {
  it('moves a read mark forwards only, telling the others when it moves', async () => {
    const conversations = new InMemoryConversations();
    const notifier = new RecordingNotifier();
    const client = aCaller('user');
    const conversation = await aStoredConversation(conversations, client.id);
    const handler = new MarkReadHandler(conversations, notifier, new FixedClock());
    const read = (caller = client, seq = 1) =>
      handler.execute({ caller, conversationId: conversation.id, seq });

    expect(await read()).toEqual({ moved: true });
    expect(await read()).toEqual({ moved: false });
    expect(notifier.reads).toEqual([
      { conversationId: conversation.id, userId: client.id, seq: 1 },
    ]);
    const agent = aCaller('agent');
    expect(await read(agent)).toEqual({ moved: true });
    await expect(read(client, 2)).rejects.toThrow(ValidationError);
    await expect(read(aCaller('user'))).rejects.toThrow(NotFoundError);
  });
});
