import type { Caller } from '../ports/caller';

export interface MarkReadCommand {
  caller: Caller;
  /** As given in the path: not checked yet. */
  notificationId: string;
}
