import type { Caller } from '../ports/caller';

export interface GetRequestQuery {
  caller: Caller;
  requestId: string;
}
