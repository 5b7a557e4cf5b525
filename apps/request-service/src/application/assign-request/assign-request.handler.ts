import { Inject, Injectable } from '@nestjs/common';
import { parseId, type Clock } from '@ajla/shared-kernel';
import type { AssigneeCandidate, Request } from '../../domain/request/request.aggregate';
import {
  REQUEST_REPOSITORY,
  type RequestRepository,
} from '../../domain/request/request.repository.port';
import { STAFF_DIRECTORY, type StaffDirectory } from '../../domain/staff/staff-directory.port';
import type { UserId } from '../../domain/user-id';
import { isStaff, type Caller } from '../ports/caller';
import { CLOCK } from '../ports/clock.port';
import { UNIT_OF_WORK, type UnitOfWork } from '../ports/unit-of-work.port';
import { mustBeStaff, parseRequestId, requestNotFound } from '../request-access';
import type { AssignRequestCommand } from './assign-request.command';

/**
 * A staff member claims a request (no `agentId`) or gives it to a colleague. Whether the caller is
 * staff comes from their token; whether a named colleague is comes from the staff directory, the
 * local copy of user-service's accounts.
 */
@Injectable()
export class AssignRequestHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(REQUEST_REPOSITORY) private readonly requests: RequestRepository,
    @Inject(STAFF_DIRECTORY) private readonly staff: StaffDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: AssignRequestCommand): Promise<Request> {
    mustBeStaff(command.caller);
    const id = parseRequestId(command.requestId);
    const assignee = await this.candidate(command.caller, command.agentId);
    return this.unitOfWork.run(async () => {
      const request = await this.requests.findByIdForUpdate(id);
      if (request === undefined) throw requestNotFound();
      request.assign(assignee, command.caller.id, this.clock.now());
      await this.requests.update(request);
      return request;
    });
  }

  private async candidate(caller: Caller, agentId?: string): Promise<AssigneeCandidate> {
    const id =
      agentId === undefined ? caller.id : (parseId<'UserId'>(agentId, 'agent_id') as UserId);
    if (id === caller.id) return { id, isStaff: isStaff(caller) };
    return { id, isStaff: (await this.staff.findStaff(id)) !== undefined };
  }
}
