import type { EventData } from '@ajla/contracts';
import type { IntegrationEvent, IntegrationEventMapper } from '@ajla/messaging';
import type { DomainEvent } from '@ajla/shared-kernel';
import { ConversationStarted } from '../../domain/conversation/conversation-started.domain-event';
import { MessageCreated } from '../../domain/conversation/message-created.domain-event';
import type { MessageDraft } from '../../domain/conversation/message.aggregate';
import type { MessageId } from '../../domain/ids';

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
      const { seq, ...draft } = event.payload;
      const data = messageCreatedData({ id: event.aggregateId as MessageId, ...draft });
      return { type: 'message.created', data: { ...data, seq } };
    }
    return undefined;
  },
};

/**
 * `message.created`'s data for a message, but its seq: the opening message's is known when its
 * event is recorded, an appended message's is stamped by the statement that stores it.
 */
export function messageCreatedData(draft: MessageDraft): Omit<EventData<'message.created'>, 'seq'> {
  return {
    message_id: draft.id,
    conversation_id: draft.conversationId,
    request_id: draft.requestId,
    user_id: draft.conversationUserId,
    sender_id: draft.senderId,
    sender_type: draft.senderType,
    content: draft.content,
    client_id: draft.clientId,
    created_at: draft.createdAt.toISOString(),
  };
}
