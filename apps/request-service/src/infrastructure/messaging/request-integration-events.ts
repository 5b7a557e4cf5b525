import { createEnvelope, type EventEnvelope } from '@ajla/contracts';
import { currentRequestContext } from '@ajla/platform';
import type { DomainEvent } from '@ajla/shared-kernel';
import { RequestAssigned } from '../../domain/request/request-assigned.domain-event';
import { RequestStatusChanged } from '../../domain/request/request-status-changed.domain-event';
import { RequestSubmitted } from '../../domain/request/request-submitted.domain-event';

export const PRODUCER = 'request-service';

/**
 * The versioned contract (`@ajla/contracts`) of each domain event this service records. The
 * correlation id is the current HTTP request's, so one user action can be followed downstream.
 */
export function toIntegrationEvent(event: DomainEvent): EventEnvelope {
  const options = {
    producer: PRODUCER,
    correlationId: currentRequestContext()?.correlationId ?? null,
    occurredAt: event.occurredAt,
  };
  if (event instanceof RequestSubmitted) {
    const p = event.payload;
    return createEnvelope(
      'request.submitted',
      {
        request_id: event.aggregateId,
        user_id: p.userId,
        type: p.type,
        description: p.description,
        status: p.status,
        conversation_id: p.conversationId,
        created_at: p.createdAt.toISOString(),
      },
      options,
    );
  }
  if (event instanceof RequestAssigned) {
    const p = event.payload;
    return createEnvelope(
      'request.assigned',
      {
        request_id: event.aggregateId,
        user_id: p.userId,
        assignee_id: p.assigneeId,
        assigned_by: p.assignedBy,
        previous_assignee_id: p.previousAssigneeId,
        status: p.status,
        conversation_id: p.conversationId,
        updated_at: p.updatedAt.toISOString(),
      },
      options,
    );
  }
  if (event instanceof RequestStatusChanged) {
    const p = event.payload;
    return createEnvelope(
      'request.status_changed',
      {
        request_id: event.aggregateId,
        user_id: p.userId,
        from: p.from,
        to: p.to,
        changed_by: p.changedBy,
        assignee_id: p.assigneeId,
        conversation_id: p.conversationId,
        updated_at: p.updatedAt.toISOString(),
      },
      options,
    );
  }
  // A new domain event without a contract is a bug: fail the transaction rather than lose it.
  throw new Error(`no integration event for domain event ${event.eventName}`);
}
