import { DomainEvent } from '@ajla/shared-kernel';
import type { UserId } from '../user-id';
import type { ConversationId, RequestId } from './request-id';
import type { RequestStatusName } from './request-status.value-object';

export interface RequestAssignedPayload {
  userId: UserId;
  assigneeId: UserId;
  assignedBy: UserId;
  /** Who had it before (a re-assignment), or null for the first assignment. */
  previousAssigneeId: UserId | null;
  /** The status after the assignment (`assigned`, or `in_progress` when re-assigned mid-work). */
  status: RequestStatusName;
  conversationId: ConversationId;
  updatedAt: Date;
}

/** A staff member took on a request, or was given it. */
export class RequestAssigned extends DomainEvent<RequestAssignedPayload> {
  static readonly EVENT_NAME = 'request.assigned';
  readonly eventName = RequestAssigned.EVENT_NAME;

  constructor(requestId: RequestId, payload: RequestAssignedPayload, occurredAt: Date) {
    super(requestId, payload, occurredAt);
  }
}
