import type { IntegrationEvent, IntegrationEventMapper } from '@ajla/messaging';
import type { DomainEvent } from '@ajla/shared-kernel';
import { ConversationStarted } from '../../domain/conversation/conversation-started.domain-event';
import { MessageCreated } from '../../domain/conversation/message-created.domain-event';

export const PRODUCER = 'conversation-service';

/** The versioned contract (`@ajla/contracts`) of each domain event this service records. */
export const conversationIntegrationEventMapper: IntegrationEventMapper = {
  toIntegrationEvent(event: DomainEvent): IntegrationEvent | undefined {
    if (event instanceof ConversationStarted) {
      const p = event.payload;
      return {
        type: 'conversation.started',
        data: {
          conversation_id: event.aggregateId,
          request_id: p.requestId,
          user_id: p.userId,
          created_at: p.createdAt.toISOString(),
        },
      };
    }
    if (event instanceof MessageCreated) {
      const p = event.payload;
      return {
        type: 'message.created',
        data: {
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
      };
    }
    return undefined;
  },
};
