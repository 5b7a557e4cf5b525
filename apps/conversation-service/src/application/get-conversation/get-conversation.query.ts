import type { Caller } from '../ports/caller';

export interface GetConversationQuery {
  caller: Caller;
  conversationId: string;
  /** Only messages with a greater seq (0: from the start). */
  afterSeq: number;
  /** 1..200. */
  limit: number;
}
