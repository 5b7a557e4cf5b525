import type { Conversation } from '../../domain/conversation/conversation.aggregate';
import type { Caller } from '../ports/caller';

export interface PostMessageCommand {
  caller: Caller;
  conversationId: string;
  content: string;
  /** Chosen by the sender (a UUID): the same one again answers the message first created. */
  clientId?: string | null;
  /**
   * The conversation, when the caller has it loaded already (a chat connection, from its
   * handshake): saves reading it again for every message. Who may write is checked all the same.
   */
  conversation?: Conversation;
}
