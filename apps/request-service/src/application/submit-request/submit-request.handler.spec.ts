import { ForbiddenError, ValidationError } from '@ajla/shared-kernel';
import {
  aCaller,
  FixedClock,
  InMemoryRequests,
  RecordingConversationOpener,
} from '../../../test/fakes';
import { RequestSubmitted } from '../../domain/request/request-submitted.domain-event';
import { SubmitRequestHandler } from './submit-request.handler';

describe('SubmitRequestHandler', () => {
  const clock = new FixedClock();
  let requests: InMemoryRequests;
  let conversations: RecordingConversationOpener;
  let handler: SubmitRequestHandler;

  beforeEach(() => {
    requests = new InMemoryRequests();
    conversations = new RecordingConversationOpener();
    handler = new SubmitRequestHandler(requests, clock, conversations);
  });

  it('stores a new request of the caller and records request.submitted with it', async () => {
    const client = aCaller('user');
    const request = await handler.execute({
      caller: client,
      type: 'events',
      description: '  Two tickets for the Louvre Abu Dhabi concert 🎻 ',
    });
    expect(request).toMatchObject({ userId: client.id, assigneeId: null });
    expect(request.status.name).toBe('new');
    expect(request.description.value).toBe('Two tickets for the Louvre Abu Dhabi concert 🎻');
    const stored = await requests.findById(request.id);
    expect(stored?.conversationId).toBe(request.conversationId);
    expect(requests.outbox).toHaveLength(1);
    expect(requests.outbox[0]).toBeInstanceOf(RequestSubmitted);
    expect(requests.outbox[0]!.aggregateId).toBe(request.id);
  });

  it('opens the conversation once the request is stored, with the caller credentials', async () => {
    const client = aCaller('user');
    conversations.onOpen = async (opening) => {
      expect(await requests.findById(opening.requestId)).toBeDefined();
    };
    const request = await handler.execute({
      caller: client,
      type: 'dining',
      description: ' A table for two ',
      credentials: 'Bearer abc',
    });
    expect(conversations.opened).toEqual([
      {
        opening: {
          conversationId: request.conversationId,
          requestId: request.id,
          userId: client.id,
          description: 'A table for two',
          createdAt: request.createdAt,
        },
        credentials: 'Bearer abc',
      },
    ]);
  });

  it('opens no conversation for a refused submission', async () => {
    await expect(
      handler.execute({ caller: aCaller('user'), type: 'travel', description: ' ' }),
    ).rejects.toThrow(ValidationError);
    expect(conversations.opened).toHaveLength(0);
  });

  it.each([
    [{ type: 'flights', description: 'x' }, 'invalid_type'],
    [{ type: 'travel', description: '   ' }, 'empty_description'],
    [{ type: 'travel', description: 'x'.repeat(5001) }, 'description_too_long'],
  ])('refuses %p', async (input, reason) => {
    await expect(handler.execute({ caller: aCaller('user'), ...input })).rejects.toThrow(
      expect.objectContaining({ reason }),
    );
    await expect(handler.execute({ caller: aCaller('user'), ...input })).rejects.toThrow(
      ValidationError,
    );
    expect(requests.count).toBe(0);
  });

  it.each(['agent', 'admin'] as const)('is for clients: an %s is refused', async (role) => {
    await expect(
      handler.execute({ caller: aCaller(role), type: 'travel', description: 'x' }),
    ).rejects.toThrow(ForbiddenError);
  });
});
