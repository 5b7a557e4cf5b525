import type { Caller } from '../ports/caller';

export interface MarkReadCommand {
  caller: Caller;
  conversationId: string;
  /** The caller has read every message up to this seq. */
  seq: number;
}
