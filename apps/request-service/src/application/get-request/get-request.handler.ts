import { Inject, Injectable } from '@nestjs/common';
import type { Request } from '../../domain/request/request.aggregate';
import {
  REQUEST_REPOSITORY,
  type RequestRepository,
} from '../../domain/request/request.repository.port';
import { isStaff } from '../ports/caller';
import { parseRequestId, requestNotFound } from '../request-access';
import type { GetRequestQuery } from './get-request.query';

/** One request, for its client or for staff; to anyone else it does not exist. */
@Injectable()
export class GetRequestHandler {
  constructor(@Inject(REQUEST_REPOSITORY) private readonly requests: RequestRepository) {}

  async execute(query: GetRequestQuery): Promise<Request> {
    const request = await this.requests.findById(parseRequestId(query.requestId));
    const viewer = { id: query.caller.id, isStaff: isStaff(query.caller) };
    if (request === undefined || !request.isVisibleTo(viewer)) throw requestNotFound();
    return request;
  }
}
