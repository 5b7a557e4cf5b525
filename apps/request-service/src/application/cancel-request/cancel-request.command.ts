import type { Caller } from '../ports/caller';

export interface CancelRequestCommand {
  caller: Caller;
  requestId: string;
}
