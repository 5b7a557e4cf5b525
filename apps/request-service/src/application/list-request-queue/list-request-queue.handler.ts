import { Inject, Injectable } from '@nestjs/common';
import { checkPaging, type Paged } from '@ajla/platform';
import { parseId } from '@ajla/shared-kernel';
import type { Request } from '../../domain/request/request.aggregate';
import { REQUEST_LISTING, type RequestListing } from '../../domain/request/request.repository.port';
import { RequestStatus } from '../../domain/request/request-status.value-object';
import type { UserId } from '../../domain/user-id';
import { mustBeStaff } from '../request-access';
import type { ListRequestQueueQuery } from './list-request-queue.query';

/** The staff queue: every client's requests, oldest first, optionally by status and assignee. */
@Injectable()
export class ListRequestQueueHandler {
  constructor(@Inject(REQUEST_LISTING) private readonly listing: RequestListing) {}

  async execute(query: ListRequestQueueQuery): Promise<Paged<Request>> {
    mustBeStaff(query.caller);
    checkPaging(query);
    const status = query.status === undefined ? undefined : RequestStatus.create(query.status);
    const assigneeId =
      query.assigneeId === undefined
        ? undefined
        : (parseId<'UserId'>(query.assigneeId, 'assignee_id') as UserId);
    const { items, total } = await this.listing.list({
      status: status?.name,
      assigneeId,
      order: 'oldest_first',
      page: query.page,
      pageSize: query.pageSize,
    });
    return { items, total, page: query.page, pageSize: query.pageSize };
  }
}
