import { DomainEvent } from '@ajla/shared-kernel';
import type { ClientMessageId, ConversationId, MessageId, RequestId, UserId } from '../ids';
import type { SenderType } from './participant';

export interface MessageCreatedPayload {
  conversationId: ConversationId;
  requestId: RequestId;
  /** The conversation's client. */
  userId: UserId;
  seq: number;
  senderId: UserId | null;
  senderType: SenderType;
  content: string;
  clientId: ClientMessageId | null;
  createdAt: Date;
}

/** A message was stored in a conversation, at its place `seq`. */
export class MessageCreated extends DomainEvent<MessageCreatedPayload> {
  static readonly EVENT_NAME = 'message.created';
  readonly eventName = MessageCreated.EVENT_NAME;

  constructor(id: MessageId, payload: MessageCreatedPayload) {
    super(id, payload, payload.createdAt);
  }
}
