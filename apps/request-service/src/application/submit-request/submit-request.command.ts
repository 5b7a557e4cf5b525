import type { Caller } from '../ports/caller';

export interface SubmitRequestCommand {
  caller: Caller;
  type: string;
  description: string;
}
