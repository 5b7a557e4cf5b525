import { DynamicModule, Module } from '@nestjs/common';
import { accountDirectoryProviders } from '@ajla/account-directory';
import { AuthModule } from '@ajla/auth';
import { subscriptionsOf } from '@ajla/contracts';
import { MessagingModule } from '@ajla/messaging';
import { DatabaseModule, PlatformModule, RedisModule } from '@ajla/platform';
import { ListNotificationsHandler } from './application/list-notifications/list-notifications.handler';
import { MarkAllReadHandler } from './application/mark-all-read/mark-all-read.handler';
import { MarkReadHandler } from './application/mark-read/mark-read.handler';
import { NotifyRecipientsHandler } from './application/notify-recipients/notify-recipients.handler';
import { NotifyWebhookDisabledHandler } from './application/notify-webhook-disabled/notify-webhook-disabled.handler';
import { RecordMailPreferencesHandler } from './application/record-mail-preferences/record-mail-preferences.handler';
import { NotificationServiceConfig } from './config/notification-service.config';
import { ActivityEventsController } from './infrastructure/messaging/activity-events.controller';
import { UserEventsController } from './infrastructure/messaging/user-events.controller';
import {
  clockProviders,
  mailProviders,
  persistenceProviders,
  realtimeProviders,
  retentionProviders,
  messagingProviders,
  webhookProviders,
} from './infrastructure/notification-service.providers';
import {
  NOTIFICATIONS_SCHEMA,
  notificationServiceEntities,
} from './infrastructure/persistence/entities';
import { notificationServiceMigrations } from './infrastructure/persistence/migrations';
import { NotificationsController } from './infrastructure/web/notifications.controller';
import { WebhooksController } from './infrastructure/web/webhooks.controller';

export const SERVICE_NAME = 'notification-service';

export const OPEN_API = {
  title: 'AJLA notification-service',
  description:
    'In-app notifications: who is told of new requests, assignments, status changes and replies.',
  version: '1',
};

const handlers = [
  NotifyRecipientsHandler,
  NotifyWebhookDisabledHandler,
  RecordMailPreferencesHandler,
  ListNotificationsHandler,
  MarkReadHandler,
  MarkAllReadHandler,
];

export interface AppModuleOptions {
  /**
   * Names the RabbitMQ connection and this service's queues (`<name>.events`, ...); default
   * `notification-service`. Tests give their own, so that their queues are not another instance's.
   */
  messagingName?: string;
}

/** notification-service: events in, each turned into its recipients' notifications; read over HTTP. */
@Module({})
export class AppModule {
  static forRoot(config: NotificationServiceConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ serviceName: SERVICE_NAME, logLevel: config.LOG_LEVEL }),
        DatabaseModule.forRoot({
          schema: NOTIFICATIONS_SCHEMA,
          entities: notificationServiceEntities,
          migrations: notificationServiceMigrations,
          config,
        }),
        RedisModule.forRoot({ config }),
        AuthModule.forRoot({ config }),
        MessagingModule.forRoot({
          serviceName: options.messagingName ?? SERVICE_NAME,
          config,
          // Its one publication: the request for the staff snapshot, through the outbox.
          relay: true,
          // The queue's bindings: the same list the topology step declares before any service starts.
          subscriptions: subscriptionsOf(SERVICE_NAME),
        }),
      ],
      controllers: [
        ActivityEventsController,
        UserEventsController,
        NotificationsController,
        WebhooksController,
      ],
      providers: [
        { provide: NotificationServiceConfig, useValue: config },
        ...persistenceProviders,
        ...clockProviders,
        ...mailProviders,
        ...handlers,
        // The account directory's feed, and the staff who existed before this service's queue
        // did: asked for once, at first start.
        ...accountDirectoryProviders(SERVICE_NAME),
        ...realtimeProviders,
        ...webhookProviders,
        ...retentionProviders,
        ...messagingProviders,
      ],
    };
  }
}
