import type { Caller } from '../ports/caller';

export interface ChangeRequestStatusCommand {
  caller: Caller;
  requestId: string;
  status: string;
}
