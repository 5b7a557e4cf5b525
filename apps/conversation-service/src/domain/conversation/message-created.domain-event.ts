import { DomainEvent } from '@ajla/shared-kernel';
import type { MessageId } from '../ids';
import type { MessageDraft } from './message.aggregate';

/** The message as it was stored: its draft and the place it took. */
export interface MessageCreatedPayload extends Omit<MessageDraft, 'id'> {
  seq: number;
}

/** A message was stored in a conversation, at its place `seq`. */
export class MessageCreated extends DomainEvent<MessageCreatedPayload> {
  static readonly EVENT_NAME = 'message.created';
  readonly eventName = MessageCreated.EVENT_NAME;

  constructor(id: MessageId, payload: MessageCreatedPayload) {
    super(id, payload, payload.createdAt);
  }
}
