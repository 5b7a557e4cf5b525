import type { Caller } from '../ports/caller';

export interface CountUnreadQuery {
  caller: Caller;
  /** Conversation ids, comma-separated, as the caller sent them (1..100 UUIDs). */
  ids: string;
}
