import type { Message } from '../../domain/conversation/message.aggregate';
import type { ConversationId, UserId } from '../../domain/ids';

/**
 * Tells every open chat connection of a conversation, on every replica, what was just committed.
 * Called after the commit; best effort (a connection that misses a message fetches it when the next
 * one arrives, or on its next resume).
 */
export interface ChatNotifier {
  messageStored(message: Message): void;
  readMoved(conversationId: ConversationId, userId: UserId, seq: number): void;
}

export const CHAT_NOTIFIER = Symbol('ChatNotifier');
