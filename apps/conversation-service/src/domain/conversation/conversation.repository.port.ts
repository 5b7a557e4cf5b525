import type { ClientMessageId, ConversationId, UserId } from '../ids';
import type { Conversation } from './conversation.aggregate';
import type { Message } from './message.aggregate';

export interface ConversationRepository {
  findById(id: ConversationId): Promise<Conversation | undefined>;
  /**
   * Stores a new conversation with its opening message and their events, unless a conversation
   * with that id exists already (then nothing is written). True when this call created it.
   * Throws `RequestHasConversation` when the request has another conversation already.
   * Atomic on its own; inside a unit of work, part of it.
   */
  start(conversation: Conversation, opening: Message): Promise<boolean>;
  /** The message the client id was first sent with, if any (the answer to a resend). */
  findByClientId(id: ConversationId, clientId: ClientMessageId): Promise<Message | undefined>;
  /** Messages with `seq > afterSeq`, ascending, at most `limit`. */
  messagesAfter(id: ConversationId, afterSeq: number, limit: number): Promise<Message[]>;
  /**
   * The newest `limit` messages with `seq < beforeSeq` (of the whole conversation when
   * `beforeSeq` is undefined), DEScending seq: newest first.
   */
  messagesBefore(
    id: ConversationId,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<Message[]>;
  /**
   * Moves `userId`'s read mark in the conversation to `seq`, never backwards. True when it moved.
   */
  markRead(id: ConversationId, userId: UserId, seq: number, now: Date): Promise<boolean>;
}

export const CONVERSATION_REPOSITORY = Symbol('ConversationRepository');

/** The request of a new conversation has a conversation (with another id) already. */
export class RequestHasConversation extends Error {
  constructor(readonly requestId: string) {
    super(`request ${requestId} has a conversation already`);
    this.name = 'RequestHasConversation';
  }
}
