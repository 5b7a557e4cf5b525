import { DynamicModule, Module } from '@nestjs/common';
import { accountDirectoryProviders } from '@ajla/account-directory';
import { AuthModule } from '@ajla/auth';
import { subscriptionsOf } from '@ajla/contracts';
import { MessagingModule } from '@ajla/messaging';
import { DatabaseModule, PlatformModule } from '@ajla/platform';
import { AssignRequestHandler } from './application/assign-request/assign-request.handler';
import { CancelRequestHandler } from './application/cancel-request/cancel-request.handler';
import { ChangeRequestStatusHandler } from './application/change-request-status/change-request-status.handler';
import { GetRequestHandler } from './application/get-request/get-request.handler';
import { ListMyRequestsHandler } from './application/list-my-requests/list-my-requests.handler';
import { ListRequestQueueHandler } from './application/list-request-queue/list-request-queue.handler';
import { SubmitRequestHandler } from './application/submit-request/submit-request.handler';
import { RequestServiceConfig } from './config/request-service.config';
import { UserEventsController } from './infrastructure/messaging/user-events.controller';
import { REQUESTS_SCHEMA, requestServiceEntities } from './infrastructure/persistence/entities';
import { requestServiceMigrations } from './infrastructure/persistence/migrations';
import {
  clockProviders,
  conversationProviders,
  persistenceProviders,
} from './infrastructure/request-service.providers';
import { AdminRequestsController } from './infrastructure/web/admin-requests.controller';
import { RequestsController } from './infrastructure/web/requests.controller';

export const SERVICE_NAME = 'request-service';

export const OPEN_API = {
  title: 'AJLA request-service',
  description: 'Concierge requests: submission, the lifecycle, the staff queue and assignment.',
  version: '1',
};

const handlers = [
  SubmitRequestHandler,
  GetRequestHandler,
  ListMyRequestsHandler,
  CancelRequestHandler,
  ListRequestQueueHandler,
  AssignRequestHandler,
  ChangeRequestStatusHandler,
];

export interface AppModuleOptions {
  /**
   * Names the RabbitMQ connection and this service's queues (`<name>.events`, ...); default
   * `request-service`. Tests give their own, so that their queues are not another instance's.
   */
  messagingName?: string;
}

/** request-service: requests over HTTP, events out through the outbox, user events in. */
@Module({})
export class AppModule {
  static forRoot(config: RequestServiceConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({ serviceName: SERVICE_NAME, logLevel: config.LOG_LEVEL }),
        DatabaseModule.forRoot({
          schema: REQUESTS_SCHEMA,
          entities: requestServiceEntities,
          migrations: requestServiceMigrations,
          config,
        }),
        AuthModule.forRoot({ config }),
        MessagingModule.forRoot({
          serviceName: options.messagingName ?? SERVICE_NAME,
          config,
          relay: true,
          // The queue's bindings: the same list the topology step declares before any service starts.
          subscriptions: subscriptionsOf(SERVICE_NAME),
        }),
      ],
      controllers: [UserEventsController, RequestsController, AdminRequestsController],
      providers: [
        { provide: RequestServiceConfig, useValue: config },
        ...persistenceProviders,
        ...clockProviders,
        ...conversationProviders,
        ...handlers,
        // The account directory's feed, and the staff who existed before this service's queue
        // did: asked for once, at first start.
        ...accountDirectoryProviders(SERVICE_NAME),
      ],
    };
  }
}
