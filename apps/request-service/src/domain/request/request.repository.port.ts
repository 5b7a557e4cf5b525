import type { UserId } from '../user-id';
import type { Request } from './request.aggregate';
import type { RequestId } from './request-id';
import type { RequestStatusName } from './request-status.value-object';

export interface RequestRepository {
  findById(id: RequestId): Promise<Request | undefined>;
  /**
   * The request, locked until the unit of work it is read in ends: two changes of one request
   * are made one after the other, the second one seeing what the first one did. Only inside a
   * unit of work.
   */
  findByIdForUpdate(id: RequestId): Promise<Request | undefined>;
  /** Inserts a new request with the events it recorded: atomic on its own; in a unit of work, part of it. */
  add(request: Request): Promise<void>;
  /** Stores the changes of an existing request, with the events it recorded. */
  update(request: Request): Promise<void>;
}

export const REQUEST_REPOSITORY = Symbol('RequestRepository');

export interface RequestListFilter {
  /** Only this client's requests. */
  ownerId?: UserId;
  status?: RequestStatusName;
  assigneeId?: UserId;
  /** A client's own list is newest first; the staff queue oldest first. */
  order: 'newest_first' | 'oldest_first';
  page: number;
  pageSize: number;
}

export interface RequestPage {
  items: Request[];
  total: number;
}

/** Pages of requests for the client's list and the staff queue. */
export interface RequestListing {
  list(filter: RequestListFilter): Promise<RequestPage>;
}

export const REQUEST_LISTING = Symbol('RequestListing');
