import {
  ForbiddenError,
  NotFoundError,
  RuleViolationError,
  ValidationError,
} from '@ajla/shared-kernel';
import {
  aCaller,
  aStoredRequest,
  FixedClock,
  immediateUnitOfWork,
  InMemoryRequests,
} from '../../../test/fakes';
import type { Request } from '../../domain/request/request.aggregate';
import { ChangeRequestStatusHandler } from './change-request-status.handler';

describe('ChangeRequestStatusHandler', () => {
  const clock = new FixedClock();
  const client = aCaller('user');
  const agent = aCaller('agent');
  let requests: InMemoryRequests;
  let handler: ChangeRequestStatusHandler;

  beforeEach(() => {
    requests = new InMemoryRequests();
    handler = new ChangeRequestStatusHandler(immediateUnitOfWork, requests, clock);
  });

  async function anAssignedRequest(): Promise<Request> {
    const request = await aStoredRequest(requests, clock, client.id);
    request.assign({ id: agent.id, isStaff: true }, agent.id, clock.now());
    await requests.update(request);
    requests.outbox.length = 0;
    return request;
  }

  it('moves assigned → in_progress → fulfilled, recording each change', async () => {
    const request = await anAssignedRequest();
    clock.advanceSeconds(60);
    const working = await handler.execute({
      caller: agent,
      requestId: request.id,
      status: 'in_progress',
    });
    expect(working.status.name).toBe('in_progress');
    expect(working.updatedAt).toEqual(clock.now());
    const done = await handler.execute({
      caller: aCaller('admin'),
      requestId: request.id,
      status: 'fulfilled',
    });
    expect(done.status.name).toBe('fulfilled');
    expect((await requests.findById(request.id))!.status.name).toBe('fulfilled');
    expect(requests.outbox.map((e) => e.payload)).toEqual([
      expect.objectContaining({ from: 'assigned', to: 'in_progress', changedBy: agent.id }),
      expect.objectContaining({ from: 'in_progress', to: 'fulfilled' }),
    ]);
  });

  it.each([
    ['fulfilled', 'transition_not_allowed'],
    ['new', 'transition_not_allowed'],
    ['assigned', 'transition_not_allowed'],
    ['cancelled', 'cancel_by_owner_only'],
  ])('refuses to set an assigned request to %s (%s)', async (status, reason) => {
    const request = await anAssignedRequest();
    const attempt = handler.execute({ caller: agent, requestId: request.id, status });
    await expect(attempt).rejects.toThrow(RuleViolationError);
    await expect(handler.execute({ caller: agent, requestId: request.id, status })).rejects.toThrow(
      expect.objectContaining({ reason }),
    );
    expect((await requests.findById(request.id))!.status.name).toBe('assigned');
    expect(requests.outbox).toHaveLength(0);
  });

  it('refuses to set a new request to assigned: that is what assigning is for', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    await expect(
      handler.execute({ caller: agent, requestId: request.id, status: 'assigned' }),
    ).rejects.toThrow(expect.objectContaining({ reason: 'assigned_by_assignment_only' }));
  });

  it('answers 400 for an unknown status and not found for an unknown request', async () => {
    const request = await anAssignedRequest();
    await expect(
      handler.execute({ caller: agent, requestId: request.id, status: 'done' }),
    ).rejects.toThrow(ValidationError);
    await expect(
      handler.execute({
        caller: agent,
        requestId: '01936f3e-0000-7000-8000-000000000009',
        status: 'in_progress',
      }),
    ).rejects.toThrow(NotFoundError);
  });

  it('is for staff', async () => {
    const request = await anAssignedRequest();
    await expect(
      handler.execute({ caller: client, requestId: request.id, status: 'in_progress' }),
    ).rejects.toThrow(ForbiddenError);
  });
});
