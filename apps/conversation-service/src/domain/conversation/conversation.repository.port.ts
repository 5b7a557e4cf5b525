import type { ClientMessageId, ConversationId, UserId } from '../ids';
import type { Conversation } from './conversation.aggregate';
import type { Message, MessageDraft } from './message.aggregate';

export interface ConversationRepository {
  findById(id: ConversationId): Promise<Conversation | undefined>;
  /**
   * Stores a new conversation with its opening message and their events, unless a conversation
   * with that id exists already (then nothing is written). True when this call created it.
   * Throws `RequestHasConversation` when the request has another conversation already.
   * Inside a unit of work.
   */
  start(conversation: Conversation, opening: Message): Promise<boolean>;
  /**
   * Stores the draft at the conversation's next seq (taken from its counter in the same
   * transaction, so seqs have no gaps and writers of one conversation go one after the other),
   * with its `message.created` event. Undefined when the conversation does not exist. Throws
   * `ClientIdTaken` when the conversation holds a message with the draft's client id already.
   * Atomic on its own (the hot path: no unit of work needed); inside a unit of work, part of it.
   */
  appendMessage(draft: MessageDraft): Promise<Message | undefined>;
  findByClientId(id: ConversationId, clientId: ClientMessageId): Promise<Message | undefined>;
  /** Messages with `seq > afterSeq`, ascending, at most `limit`. */
  messagesAfter(id: ConversationId, afterSeq: number, limit: number): Promise<Message[]>;
  /**
   * Moves `userId`'s read mark in the conversation to `seq`, never backwards. True when it moved.
   */
  markRead(id: ConversationId, userId: UserId, seq: number, now: Date): Promise<boolean>;
}

export const CONVERSATION_REPOSITORY = Symbol('ConversationRepository');

/** A message with this client id exists in the conversation already (a resend). */
export class ClientIdTaken extends Error {
  constructor(readonly clientId: ClientMessageId) {
    super(`a message with client id ${clientId} exists already`);
    this.name = 'ClientIdTaken';
  }
}

/** The request of a new conversation has a conversation (with another id) already. */
export class RequestHasConversation extends Error {
  constructor(readonly requestId: string) {
    super(`request ${requestId} has a conversation already`);
    this.name = 'RequestHasConversation';
  }
}
