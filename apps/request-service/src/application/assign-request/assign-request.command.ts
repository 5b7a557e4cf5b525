import type { Caller } from '../ports/caller';

export interface AssignRequestCommand {
  caller: Caller;
  requestId: string;
  /** The staff member to give it to; undefined: the caller takes it. */
  agentId?: string;
}
