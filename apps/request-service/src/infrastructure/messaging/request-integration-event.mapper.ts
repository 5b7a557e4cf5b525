import type { IntegrationEvent, IntegrationEventMapper } from '@ajla/messaging';
import type { DomainEvent } from '@ajla/shared-kernel';
import { RequestAssigned } from '../../domain/request/request-assigned.domain-event';
import { RequestStatusChanged } from '../../domain/request/request-status-changed.domain-event';
import { RequestSubmitted } from '../../domain/request/request-submitted.domain-event';

export const PRODUCER = 'request-service';

/** The versioned contract (`@ajla/contracts`) of each domain event this service records. */
export const requestIntegrationEventMapper: IntegrationEventMapper = {
  toIntegrationEvent(event: DomainEvent): IntegrationEvent | undefined {
    if (event instanceof RequestSubmitted) {
      const p = event.payload;
      return {
        type: 'request.submitted',
        data: {
          request_id: event.aggregateId,
          user_id: p.userId,
          type: p.type,
          description: p.description,
          status: p.status,
          conversation_id: p.conversationId,
          created_at: p.createdAt.toISOString(),
        },
      };
    }
    if (event instanceof RequestAssigned) {
      const p = event.payload;
      return {
        type: 'request.assigned',
        data: {
          request_id: event.aggregateId,
          user_id: p.userId,
          assignee_id: p.assigneeId,
          assigned_by: p.assignedBy,
          previous_assignee_id: p.previousAssigneeId,
          status: p.status,
          conversation_id: p.conversationId,
          updated_at: p.updatedAt.toISOString(),
        },
      };
    }
    if (event instanceof RequestStatusChanged) {
      const p = event.payload;
      return {
        type: 'request.status_changed',
        data: {
          request_id: event.aggregateId,
          user_id: p.userId,
          from: p.from,
          to: p.to,
          changed_by: p.changedBy,
          assignee_id: p.assigneeId,
          conversation_id: p.conversationId,
          updated_at: p.updatedAt.toISOString(),
        },
      };
    }
    return undefined;
  },
};
