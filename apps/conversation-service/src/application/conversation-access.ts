import { isId, NotFoundError } from '@ajla/shared-kernel';
import type { Conversation } from '../domain/conversation/conversation.aggregate';
import type { ConversationRepository } from '../domain/conversation/conversation.repository.port';
import type { ConversationId } from '../domain/ids';
import type { Caller } from './ports/caller';

/**
 * The one answer for a conversation the caller may not see, one that does not exist and an id that
 * is not even a UUID: nobody can probe which ids exist.
 */
export function conversationNotFound(): NotFoundError {
  return new NotFoundError('conversation not found', 'conversation_not_found');
}

/** A conversation id from a path; a malformed one names no conversation, so it is not found. */
export function parseConversationId(raw: string): ConversationId {
  if (!isId(raw)) throw conversationNotFound();
  return raw.toLowerCase() as ConversationId;
}

/** The conversation, if the caller takes part in it (its client, or staff); 404 otherwise. */
export async function visibleConversation(
  conversations: ConversationRepository,
  id: ConversationId,
  caller: Caller,
): Promise<Conversation> {
  const conversation = await conversations.findById(id);
  if (conversation === undefined || !conversation.isVisibleTo(caller)) {
    throw conversationNotFound();
  }
  return conversation;
}
