import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@ajla/auth';
import { subscriptionsOf } from '@ajla/contracts';
import { MessagingModule } from '@ajla/messaging';
import { DatabaseModule, PlatformModule, RedisModule } from '@ajla/platform';
import { CountUnreadHandler } from './application/count-unread/count-unread.handler';
import { GetConversationHandler } from './application/get-conversation/get-conversation.handler';
import { JoinChatHandler } from './application/join-chat/join-chat.handler';
import { MarkReadHandler } from './application/mark-read/mark-read.handler';
import { PostMessageHandler } from './application/post-message/post-message.handler';
import { StartConversationHandler } from './application/start-conversation/start-conversation.handler';
import { ConversationServiceConfig } from './config/conversation-service.config';
import {
  clockProviders,
  messagingProviders,
  persistenceProviders,
  realtimeProviders,
} from './infrastructure/conversation-service.providers';
import { RequestEventsController } from './infrastructure/messaging/request-events.controller';
import {
  CONVERSATIONS_SCHEMA,
  conversationServiceEntities,
} from './infrastructure/persistence/entities';
import { conversationServiceMigrations } from './infrastructure/persistence/migrations';
import { ConversationsController } from './infrastructure/web/conversations.controller';
import { InternalConversationsController } from './infrastructure/web/internal-conversations.controller';
import { MessagesController } from './infrastructure/web/messages.controller';
import { UnreadCountsController } from './infrastructure/web/unread-counts.controller';

export const SERVICE_NAME = 'conversation-service';

export const OPEN_API = {
  title: 'AJLA conversation-service',
  description:
    'Conversations of concierge requests: history, messages, and the live chat at /ws/chat/{conversation_id}.',
  version: '1',
};

const handlers = [
  StartConversationHandler,
  GetConversationHandler,
  PostMessageHandler,
  MarkReadHandler,
  JoinChatHandler,
  CountUnreadHandler,
];

export interface AppModuleOptions {
  /**
   * Names the RabbitMQ connection and this service's queues (`<name>.events`, ...); default
   * `conversation-service`. Tests give their own, so that their queues are not another instance's.
   */
  messagingName?: string;
}

/** conversation-service: conversations over HTTP and WebSocket, request events in, events out. */
@Module({})
export class AppModule {
  static forRoot(config: ConversationServiceConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ serviceName: SERVICE_NAME, logLevel: config.LOG_LEVEL }),
        DatabaseModule.forRoot({
          schema: CONVERSATIONS_SCHEMA,
          entities: conversationServiceEntities,
          migrations: conversationServiceMigrations,
          config,
        }),
        RedisModule.forRoot({ config }),
        AuthModule.forRoot({ config }),
        MessagingModule.forRoot({
          serviceName: options.messagingName ?? SERVICE_NAME,
          config,
          relay: true,
          // The queue's bindings: the same list the topology step declares before any service starts.
          subscriptions: subscriptionsOf(SERVICE_NAME),
        }),
      ],
      controllers: [
        RequestEventsController,
        ConversationsController,
        MessagesController,
        InternalConversationsController,
        UnreadCountsController,
      ],
      providers: [
        { provide: ConversationServiceConfig, useValue: config },
        ...persistenceProviders,
        ...realtimeProviders,
        ...clockProviders,
        ...messagingProviders,
        ...handlers,
      ],
    };
  }
}
