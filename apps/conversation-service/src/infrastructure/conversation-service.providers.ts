import type { Provider } from '@nestjs/common';
import { EVENT_FILTER, OutboxUnitOfWork, outboxUnitOfWorkProvider } from '@ajla/messaging';
import { systemClock } from '@ajla/shared-kernel';
import { CHAT_NOTIFIER } from '../application/ports/chat-notifier.port';
import { CLOCK } from '../application/ports/clock.port';
import { UNIT_OF_WORK } from '../application/ports/unit-of-work.port';
import { CONVERSATION_REPOSITORY } from '../domain/conversation/conversation.repository.port';
import { MESSAGE_LOG } from '../domain/conversation/message-log.port';
import { UNREAD_COUNTS } from '../domain/conversation/unread-counts.port';
import {
  conversationIntegrationEventMapper,
  PRODUCER,
} from './messaging/conversation-integration-event.mapper';
import { OpenedConversations } from './messaging/opened-conversations';
import { FirstStaffReplies, MeasuredMessageLog } from './metrics/first-staff-replies';
import { PostgresMessageLog } from './persistence/message-log/postgres-message-log';
import { PostgresUnreadCounts } from './persistence/postgres-unread-counts';
import { TypeOrmConversationRepository } from './persistence/typeorm-conversation.repository';
import { ChatHub } from './realtime/chat-hub';
import { ChatGateway } from './realtime/chat.gateway';

// Ports bound to their adapters.

export const persistenceProviders: Provider[] = [
  outboxUnitOfWorkProvider({ producer: PRODUCER, events: conversationIntegrationEventMapper }),
  { provide: UNIT_OF_WORK, useExisting: OutboxUnitOfWork },
  TypeOrmConversationRepository,
  { provide: CONVERSATION_REPOSITORY, useExisting: TypeOrmConversationRepository },
  PostgresMessageLog,
  FirstStaffReplies,
  {
    provide: MESSAGE_LOG,
    useFactory: (log: PostgresMessageLog, replies: FirstStaffReplies) =>
      new MeasuredMessageLog(log, replies),
    inject: [PostgresMessageLog, FirstStaffReplies],
  },
  PostgresUnreadCounts,
  { provide: UNREAD_COUNTS, useExisting: PostgresUnreadCounts },
];

export const realtimeProviders: Provider[] = [
  ChatHub,
  { provide: CHAT_NOTIFIER, useExisting: ChatHub },
  ChatGateway,
];

export const clockProviders: Provider[] = [{ provide: CLOCK, useValue: systemClock }];

/**
 * Conversations opened by request-service's call: their `request.submitted`, on this replica,
 * is acknowledged without a transaction.
 */
export const messagingProviders: Provider[] = [
  OpenedConversations,
  { provide: EVENT_FILTER, useExisting: OpenedConversations },
];
