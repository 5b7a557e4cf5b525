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
  InMemoryStaffDirectory,
} from '../../../test/fakes';
import { RequestStatus } from '../../domain/request/request-status.value-object';
import type { UserId } from '../../domain/user-id';
import { AssignRequestHandler } from './assign-request.handler';

describe('AssignRequestHandler', () => {
  const clock = new FixedClock();
  const client = aCaller('user');
  const agent = aCaller('agent');
  const colleague = aCaller('agent');
  const admin = aCaller('admin');
  let requests: InMemoryRequests;
  let staff: InMemoryStaffDirectory;
  let handler: AssignRequestHandler;

  const listed = async (id: UserId, role: 'user' | 'agent' | 'admin') =>
    staff.entries.set(id, {
      userId: id,
      role,
      email: `${id}@ajla.test`,
      fullName: null,
      asOf: clock.now(),
    });

  beforeEach(async () => {
    requests = new InMemoryRequests();
    staff = new InMemoryStaffDirectory();
    handler = new AssignRequestHandler(immediateUnitOfWork, requests, staff, clock);
    await listed(colleague.id, 'agent');
  });

  it('lets a staff member claim a request (no agent_id), even before the directory knows them', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    const assigned = await handler.execute({ caller: agent, requestId: request.id });
    expect(assigned.status.name).toBe('assigned');
    expect(assigned.assigneeId).toBe(agent.id);
    expect((await requests.findById(request.id))!.assigneeId).toBe(agent.id);
    expect(requests.outbox.map((e) => [e.eventName, e.payload])).toEqual([
      [
        'request.assigned',
        expect.objectContaining({
          assigneeId: agent.id,
          assignedBy: agent.id,
          previousAssigneeId: null,
        }),
      ],
    ]);
  });

  it('gives a request to a named staff member the directory knows', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    const assigned = await handler.execute({
      caller: admin,
      requestId: request.id,
      agentId: colleague.id,
    });
    expect(assigned.assigneeId).toBe(colleague.id);
    expect(requests.outbox[0]!.payload).toMatchObject({ assignedBy: admin.id });
  });

  it('re-assigns an in-progress request, keeping its status', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    await handler.execute({ caller: agent, requestId: request.id });
    const working = (await requests.findById(request.id))!;
    working.changeStatus(RequestStatus.inProgress, agent.id, clock.now());
    await requests.update(working);
    const handed = await handler.execute({
      caller: agent,
      requestId: request.id,
      agentId: colleague.id,
    });
    expect(handed.status.name).toBe('in_progress');
    expect(requests.outbox.at(-1)!.payload).toMatchObject({
      assigneeId: colleague.id,
      previousAssigneeId: agent.id,
      status: 'in_progress',
    });
  });

  it('refuses an assignee who is a client, demoted, or unknown to the directory (409)', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    const demoted = aCaller('agent');
    await listed(demoted.id, 'agent');
    clock.advanceSeconds(1);
    await listed(demoted.id, 'user');
    for (const agentId of [client.id, demoted.id, aCaller('agent').id]) {
      await expect(
        handler.execute({ caller: agent, requestId: request.id, agentId }),
      ).rejects.toThrow(expect.objectContaining({ reason: 'assignee_not_staff' }));
    }
    expect((await requests.findById(request.id))!.status.name).toBe('new');
    expect(requests.outbox).toHaveLength(0);
  });

  it('refuses to assign a closed request', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    request.cancel(client.id, clock.now());
    await requests.update(request);
    await expect(handler.execute({ caller: agent, requestId: request.id })).rejects.toThrow(
      RuleViolationError,
    );
  });

  it('answers not found for an unknown or malformed request id, 400 for a malformed agent_id', async () => {
    await expect(
      handler.execute({ caller: agent, requestId: '01936f3e-0000-7000-8000-000000000009' }),
    ).rejects.toThrow(NotFoundError);
    await expect(handler.execute({ caller: agent, requestId: 'x' })).rejects.toThrow(NotFoundError);
    const request = await aStoredRequest(requests, clock, client.id);
    await expect(
      handler.execute({ caller: agent, requestId: request.id, agentId: 'bob' }),
    ).rejects.toThrow(ValidationError);
  });

  it('is for staff', async () => {
    const request = await aStoredRequest(requests, clock, client.id);
    await expect(handler.execute({ caller: client, requestId: request.id })).rejects.toThrow(
      ForbiddenError,
    );
  });
});
