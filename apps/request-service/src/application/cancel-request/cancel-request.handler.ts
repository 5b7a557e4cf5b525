import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '@ajla/shared-kernel';
import type { Request } from '../../domain/request/request.aggregate';
import {
  REQUEST_REPOSITORY,
  type RequestRepository,
} from '../../domain/request/request.repository.port';
import { CLOCK } from '../ports/clock.port';
import { UNIT_OF_WORK, type UnitOfWork } from '../ports/unit-of-work.port';
import { mustBeClient, parseRequestId, requestNotFound } from '../request-access';
import type { CancelRequestCommand } from './cancel-request.command';

/** A client withdraws one of their requests; another client's request is not found. */
@Injectable()
export class CancelRequestHandler {
  constructor(
    @Inject(UNIT_OF_WORK) private readonly unitOfWork: UnitOfWork,
    @Inject(REQUEST_REPOSITORY) private readonly requests: RequestRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: CancelRequestCommand): Promise<Request> {
    mustBeClient(command.caller);
    const id = parseRequestId(command.requestId);
    return this.unitOfWork.run(async () => {
      const request = await this.requests.findByIdForUpdate(id);
      if (request === undefined || request.userId !== command.caller.id) throw requestNotFound();
      request.cancel(command.caller.id, this.clock.now());
      await this.requests.update(request);
      return request;
    });
  }
}
