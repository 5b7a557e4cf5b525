import type { Caller } from '../ports/caller';

export interface ListMyRequestsQuery {
  caller: Caller;
  status?: string;
  page: number;
  pageSize: number;
}
