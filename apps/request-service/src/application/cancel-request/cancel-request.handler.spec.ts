import { ForbiddenError, NotFoundError, RuleViolationError } from '@ajla/shared-kernel';
import {
  aCaller,
  aStoredRequest,
  FixedClock,
  immediateUnitOfWork,
  InMemoryRequests,
} from '../../../test/fakes';
import { RequestStatus } from '../../domain/request/request-status.value-object';
import { CancelRequestHandler } from './cancel-request.handler';

describe('CancelRequestHandler', () => {
  const clock = new FixedClock();
  const client = aCaller('user');
  const agent = aCaller('agent');
  let requests: InMemoryRequests;
  let handler: CancelRequestHandler;

  beforeEach(() => {
    requests = new InMemoryRequests();
    handler = new CancelRequestHandler(immediateUnitOfWork, requests, clock);
  });

  it("cancels the caller's request and records request.status_changed", async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    const cancelled = await handler.execute({ caller: client, requestId: request.id });
    expect(cancelled.status.name).toBe('cancelled');
    expect((await requests.findById(request.id))!.status.name).toBe('cancelled');
    expect(requests.outbox.map((e) => [e.eventName, e.payload])).toEqual([
      ['request.status_changed', expect.objectContaining({ from: 'new', to: 'cancelled' })],
    ]);
  });

  it('cancels an assigned and an in-progress request too', async () => {
    for (const status of [RequestStatus.assigned, RequestStatus.inProgress]) {
      const request = await aStoredRequest(requests, clock, client.id);
      request.assign({ id: agent.id, isStaff: true }, agent.id, clock.now());
      if (status === RequestStatus.inProgress) request.changeStatus(status, agent.id, clock.now());
      await requests.update(request);
      const cancelled = await handler.execute({ caller: client, requestId: request.id });
      expect(cancelled.status.name).toBe('cancelled');
    }
  });

  it('refuses a fulfilled or already cancelled request with a rule violation', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    await handler.execute({ caller: client, requestId: request.id });
    await expect(handler.execute({ caller: client, requestId: request.id })).rejects.toThrow(
      RuleViolationError,
    );
    await expect(handler.execute({ caller: client, requestId: request.id })).rejects.toThrow(
      'cannot move a request from cancelled to cancelled',
    );
  });

  it("answers not found for another client's request, and leaves it alone", async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    await expect(
      handler.execute({ caller: aCaller('user'), requestId: request.id }),
    ).rejects.toThrow(NotFoundError);
    await expect(handler.execute({ caller: client, requestId: 'not-a-uuid' })).rejects.toThrow(
      NotFoundError,
    );
    expect((await requests.findById(request.id))!.status.name).toBe('new');
  });

  it('is for clients: staff are refused', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    await expect(handler.execute({ caller: agent, requestId: request.id })).rejects.toThrow(
      ForbiddenError,
    );
  });
});
