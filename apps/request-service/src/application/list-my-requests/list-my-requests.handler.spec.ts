import { ForbiddenError, ValidationError } from '@ajla/shared-kernel';
import { aCaller, aStoredRequest, FixedClock, InMemoryRequests } from '../../../test/fakes';
import { ListMyRequestsHandler } from './list-my-requests.handler';

describe('ListMyRequestsHandler', () => {
  const client = aCaller('user');
  let requests: InMemoryRequests;
  let handler: ListMyRequestsHandler;

  beforeEach(async () => {
    requests = new InMemoryRequests();
    handler = new ListMyRequestsHandler(requests);
    const clock = new FixedClock();
    for (const description of ['first', 'second', 'third']) {
      clock.advanceSeconds(1);
      await aStoredRequest(requests, clock, client.id, { description });
    }
    await aStoredRequest(requests, clock, aCaller('user').id, { description: 'someone else' });
    const cancelled = await aStoredRequest(requests, clock, client.id, { description: 'gone' });
    cancelled.cancel(client.id, clock.now());
    await requests.update(cancelled);
  });

  it("lists only the caller's requests, newest first, one page at a time", async () => {
    const first = await handler.execute({ caller: client, page: 1, pageSize: 2 });
    expect(first.items.map((r) => r.description.value)).toEqual(['gone', 'third']);
    expect(first).toMatchObject({ total: 4, page: 1, pageSize: 2 });
    const second = await handler.execute({ caller: client, page: 2, pageSize: 2 });
    expect(second.items.map((r) => r.description.value)).toEqual(['second', 'first']);
    const beyond = await handler.execute({ caller: client, page: 9, pageSize: 2 });
    expect(beyond).toMatchObject({ items: [], total: 4 });
  });

  it('filters by status', async () => {
    const list = await handler.execute({
      caller: client,
      status: 'cancelled',
      page: 1,
      pageSize: 20,
    });
    expect(list.items.map((r) => r.description.value)).toEqual(['gone']);
    expect(list.total).toBe(1);
  });

  it.each([
    [{ status: 'done', page: 1, pageSize: 20 }],
    [{ page: 0, pageSize: 20 }],
    [{ page: 1, pageSize: 0 }],
    [{ page: 1, pageSize: 101 }],
    [{ page: 1.5, pageSize: 20 }],
  ])('refuses %p', async (query) => {
    await expect(handler.execute({ caller: client, ...query })).rejects.toThrow(ValidationError);
  });

  it('is for clients', async () => {
    await expect(
      handler.execute({ caller: aCaller('agent'), page: 1, pageSize: 20 }),
    ).rejects.toThrow(ForbiddenError);
  });
});
