import type { Caller } from '../ports/caller';

/**
 * Which messages a page holds, always returned in ascending seq:
 * - `after`: the oldest `limit` with `seq > seq` (paging forward; 0: from the start),
 * - `before`: the newest `limit` with `seq < seq` (paging backward, to older history),
 * - `latest`: the newest `limit` of the conversation (opening it at its end).
 */
export type MessageWindow =
  | { readonly kind: 'after'; readonly seq: number }
  | { readonly kind: 'before'; readonly seq: number }
  | { readonly kind: 'latest' };

export interface GetConversationQuery {
  caller: Caller;
  conversationId: string;
  window: MessageWindow;
  /** 1..200. */
  limit: number;
}
