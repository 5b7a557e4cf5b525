import type { Caller } from '../ports/caller';

export interface MarkAllReadCommand {
  caller: Caller;
}
