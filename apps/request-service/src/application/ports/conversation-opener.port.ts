import type { ConversationId, RequestId } from '../../domain/request/request-id';
import type { UserId } from '../../domain/user-id';

/** What conversation-service needs to open the conversation of a submitted request. */
export interface ConversationOpening {
  conversationId: ConversationId;
  requestId: RequestId;
  userId: UserId;
  description: string;
  createdAt: Date;
}

/**
 * Opens a request's conversation in conversation-service right away, so the client can use it as
 * soon as the submission is answered. Best effort: it resolves whether or not that worked (a
 * failure is logged by the adapter); `request.submitted`, already in the outbox, opens it anyway
 * once conversation-service consumes it.
 */
export interface ConversationOpener {
  /** `credentials`: the caller's own `Authorization` header, forwarded as is. */
  open(opening: ConversationOpening, credentials: string | undefined): Promise<void>;
}

export const CONVERSATION_OPENER = Symbol('ConversationOpener');
