import type { Caller } from '../ports/caller';

export interface JoinChatQuery {
  caller: Caller;
  conversationId: string;
}
