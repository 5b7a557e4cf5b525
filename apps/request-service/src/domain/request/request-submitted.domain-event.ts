import { DomainEvent } from '@ajla/shared-kernel';
import type { UserId } from '../user-id';
import type { ConversationId, RequestId } from './request-id';
import type { RequestTypeName } from './request-type.value-object';

export interface RequestSubmittedPayload {
  userId: UserId;
  type: RequestTypeName;
  description: string;
  status: 'new';
  conversationId: ConversationId;
  createdAt: Date;
}

/** A client submitted a request; its conversation is to be opened with the description. */
export class RequestSubmitted extends DomainEvent<RequestSubmittedPayload> {
  static readonly EVENT_NAME = 'request.submitted';
  readonly eventName = RequestSubmitted.EVENT_NAME;

  constructor(requestId: RequestId, payload: RequestSubmittedPayload, occurredAt: Date) {
    super(requestId, payload, occurredAt);
  }
}
