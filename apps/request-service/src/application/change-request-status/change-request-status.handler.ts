import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '@ajla/shared-kernel';
import type { Request } from '../../domain/request/request.aggregate';
import {
  REQUEST_REPOSITORY,
  type RequestRepository,
} from '../../domain/request/request.repository.port';
import { RequestStatus } from '../../domain/request/request-status.value-object';
import { CLOCK } from '../ports/clock.port';
import { UNIT_OF_WORK, type UnitOfWork } from '../ports/unit-of-work.port';
import { mustBeStaff, parseRequestId, requestNotFound } from '../request-access';
import type { ChangeRequestStatusCommand } from './change-request-status.command';

/** A staff member moves the work on a request forward (the lifecycle decides what is allowed). */
@Injectable()
export class ChangeRequestStatusHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(REQUEST_REPOSITORY) private readonly requests: RequestRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ChangeRequestStatusCommand): Promise<Request> {
    mustBeStaff(command.caller);
    const id = parseRequestId(command.requestId);
    const target = RequestStatus.create(command.status);
    return this.unitOfWork.run(async () => {
      const request = await this.requests.findByIdForUpdate(id);
      if (request === undefined) throw requestNotFound();
      request.changeStatus(target, command.caller.id, this.clock.now());
      await this.requests.update(request);
      return request;
    });
  }
}
