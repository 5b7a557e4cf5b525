import { Inject, Injectable } from '@nestjs/common';
import { checkPaging, type Paged } from '@ajla/platform';
import type { Request } from '../../domain/request/request.aggregate';
import { REQUEST_LISTING, type RequestListing } from '../../domain/request/request.repository.port';
import { RequestStatus } from '../../domain/request/request-status.value-object';
import { mustBeClient } from '../request-access';
import type { ListMyRequestsQuery } from './list-my-requests.query';

/** The caller's own requests, newest first, optionally in one status. */
@Injectable()
export class ListMyRequestsHandler {
  constructor(@Inject(REQUEST_LISTING) private readonly listing: RequestListing) {}

  async execute(query: ListMyRequestsQuery): Promise<Paged<Request>> {
    mustBeClient(query.caller);
    checkPaging(query);
    const status = query.status === undefined ? undefined : RequestStatus.create(query.status);
    const { items, total } = await this.listing.list({
      ownerId: query.caller.id,
      status: status?.name,
      order: 'newest_first',
      page: query.page,
      pageSize: query.pageSize,
    });
    return { items, total, page: query.page, pageSize: query.pageSize };
  }
}
