import { DomainEvent } from '@ajla/shared-kernel';
import type { ConversationId, RequestId, UserId } from '../ids';

export interface ConversationStartedPayload {
  requestId: RequestId;
  userId: UserId;
  createdAt: Date;
}

/** The conversation of a request was opened, with the request's description as its first message. */
export class ConversationStarted extends DomainEvent<ConversationStartedPayload> {
  static readonly EVENT_NAME = 'conversation.started';
  readonly eventName = ConversationStarted.EVENT_NAME;

  constructor(id: ConversationId, payload: ConversationStartedPayload) {
    super(id, payload, payload.createdAt);
  }
}
