import { DomainEvent } from '@ajla/shared-kernel';
import type { UserId } from '../user-id';
import type { ConversationId, RequestId } from './request-id';
import type { RequestStatusName } from './request-status.value-object';

export interface RequestStatusChangedPayload {
  userId: UserId;
  from: RequestStatusName;
  to: RequestStatusName;
  changedBy: UserId;
  assigneeId: UserId | null;
  conversationId: ConversationId;
  updatedAt: Date;
}

/** Work on a request moved on (in progress, fulfilled) or its client cancelled it. */
export class RequestStatusChanged extends DomainEvent<RequestStatusChangedPayload> {
  static readonly EVENT_NAME = 'request.status_changed';
  readonly eventName = RequestStatusChanged.EVENT_NAME;

  constructor(requestId: RequestId, payload: RequestStatusChangedPayload, occurredAt: Date) {
    super(requestId, payload, occurredAt);
  }
}
