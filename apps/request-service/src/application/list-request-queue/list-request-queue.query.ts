import type { Caller } from '../ports/caller';

export interface ListRequestQueueQuery {
  caller: Caller;
  status?: string;
  assigneeId?: string;
  page: number;
  pageSize: number;
}
