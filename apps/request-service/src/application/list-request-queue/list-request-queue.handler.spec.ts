import { ForbiddenError, ValidationError } from '@ajla/shared-kernel';
import { aCaller, aStoredRequest, FixedClock, InMemoryRequests } from '../../../test/fakes';
import { ListRequestQueueHandler } from './list-request-queue.handler';

describe('ListRequestQueueHandler', () => {
  const agent = aCaller('agent');
  let requests: InMemoryRequests;
  let handler: ListRequestQueueHandler;

  beforeEach(async () => {
    requests = new InMemoryRequests();
    handler = new ListRequestQueueHandler(requests);
    const clock = new FixedClock();
    for (const description of ['oldest', 'middle', 'newest']) {
      clock.advanceSeconds(1);
      await aStoredRequest(requests, clock, aCaller('user').id, { description });
    }
    const taken = (await requests.list({ order: 'oldest_first', page: 1, pageSize: 10 })).items[1]!;
    taken.assign({ id: agent.id, isStaff: true }, agent.id, clock.now());
    await requests.update(taken);
  });

  it("lists every client's requests, oldest first, one page at a time", async () => {
    const first = await handler.execute({ caller: agent, page: 1, pageSize: 2 });
    expect(first.items.map((r) => r.description.value)).toEqual(['oldest', 'middle']);
    expect(first).toMatchObject({ total: 3, page: 1, pageSize: 2 });
    const second = await handler.execute({ caller: aCaller('admin'), page: 2, pageSize: 2 });
    expect(second.items.map((r) => r.description.value)).toEqual(['newest']);
  });

  it('filters by status and by assignee', async () => {
    const fresh = await handler.execute({ caller: agent, status: 'new', page: 1, pageSize: 20 });
    expect(fresh.items.map((r) => r.description.value)).toEqual(['oldest', 'newest']);
    const mine = await handler.execute({
      caller: agent,
      assigneeId: agent.id.toUpperCase(),
      page: 1,
      pageSize: 20,
    });
    expect(mine.items.map((r) => r.description.value)).toEqual(['middle']);
    const none = await handler.execute({
      caller: agent,
      status: 'new',
      assigneeId: agent.id,
      page: 1,
      pageSize: 20,
    });
    expect(none.total).toBe(0);
  });

  it.each([
    [{ status: 'open', page: 1, pageSize: 20 }],
    [{ assigneeId: 'me', page: 1, pageSize: 20 }],
    [{ page: 1, pageSize: 101 }],
  ])('refuses %p', async (query) => {
    await expect(handler.execute({ caller: agent, ...query })).rejects.toThrow(ValidationError);
  });

  it('is for staff', async () => {
    await expect(
      handler.execute({ caller: aCaller('user'), page: 1, pageSize: 20 }),
    ).rejects.toThrow(ForbiddenError);
  });
});
