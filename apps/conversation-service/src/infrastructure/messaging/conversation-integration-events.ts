import { createEnvelope, type EventEnvelope } from '@ajla/contracts';
import { currentRequestContext } from '@ajla/platform';
import type { DomainEvent } from '@ajla/shared-kernel';
import { ConversationStarted } from '../../domain/conversation/conversation-started.domain-event';
import { MessageCreated } from '../../domain/conversation/message-created.domain-event';

export const PRODUCER = 'conversation-service';

/**
 * The versioned contract (`@ajla/contracts`) of each domain event this service records. The
 * correlation id is the current HTTP request's, WebSocket connection's or consumed event's.
 */
export function toIntegrationEvent(event: DomainEvent): EventEnvelope {
  const options = {
    producer: PRODUCER,
    correlationId: currentRequestContext()?.correlationId ?? null,
    occurredAt: event.occurredAt,
  };
  if (event instanceof ConversationStarted) {
    const p = event.payload;
    return createEnvelope(
      'conversation.started',
      {
        conversation_id: event.aggregateId,
        request_id: p.requestId,
        user_id: p.userId,
        created_at: p.createdAt.toISOString(),
      },
      options,
    );
  }
  if (event instanceof MessageCreated) {
    const p = event.payload;
    return createEnvelope(
      'message.created',
      {
        message_id: event.aggregateId,
        conversation_id: p.conversationId,
        request_id: p.requestId,
        user_id: p.userId,
        seq: p.seq,
        sender_id: p.senderId,
        sender_type: p.senderType,
        content: p.content,
        client_id: p.clientId,
        created_at: p.createdAt.toISOString(),
      },
      options,
    );
  }
  // A new domain event without a contract is a bug: fail the transaction rather than lose it.
  throw new Error(`no integration event for domain event ${event.eventName}`);
}
