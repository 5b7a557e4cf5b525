import type { ConversationId, UserId } from '../ids';

/** How far one reader is behind in one conversation. */
export interface UnreadCount {
  conversationId: ConversationId;
  /** Messages with a seq above the reader's read mark that someone else wrote. */
  unread: number;
  /** The seq of the conversation's newest message. */
  lastSeq: number;
  /** The reader's read mark (0: nothing read yet). */
  readSeq: number;
}

/**
 * Which conversations a reader may count, the batch form of `Conversation.isVisibleTo`: every one
 * for staff (`clientOnly` null), only those whose client they are for a client.
 */
export interface UnreadScope {
  reader: UserId;
  clientOnly: UserId | null;
}

/** Unread counts, read straight from storage: one read for a whole batch of conversations. */
export interface UnreadCounts {
  /**
   * The counts of the conversations among `ids` that exist and are in the scope; others are left
   * out. Messages the reader wrote are never unread.
   */
  unreadCounts(ids: readonly ConversationId[], scope: UnreadScope): Promise<UnreadCount[]>;
}

export const UNREAD_COUNTS = Symbol('UnreadCounts');
