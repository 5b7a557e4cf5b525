import type { Provider } from '@nestjs/common';
import { OutboxUnitOfWork, outboxUnitOfWorkProvider } from '@ajla/messaging';
import { systemClock } from '@ajla/shared-kernel';
import { CLOCK } from '../application/ports/clock.port';
import { CONVERSATION_OPENER } from '../application/ports/conversation-opener.port';
import { UNIT_OF_WORK } from '../application/ports/unit-of-work.port';
import { REQUEST_LISTING, REQUEST_REPOSITORY } from '../domain/request/request.repository.port';
import { STAFF_DIRECTORY } from '../domain/staff/staff-directory.port';
import { RequestServiceConfig } from '../config/request-service.config';
import {
  CONVERSATION_SERVICE_TARGET,
  conversationServiceTarget,
  HttpConversationOpener,
} from './conversations/http-conversation-opener';
import {
  PRODUCER,
  requestIntegrationEventMapper,
} from './messaging/request-integration-event.mapper';
import { TypeOrmRequestRepository } from './persistence/typeorm-request.repository';
import { TypeOrmStaffDirectory } from './persistence/typeorm-staff-directory';

// Ports bound to their adapters.

export const persistenceProviders: Provider[] = [
  outboxUnitOfWorkProvider({ producer: PRODUCER, events: requestIntegrationEventMapper }),
  { provide: UNIT_OF_WORK, useExisting: OutboxUnitOfWork },
  TypeOrmRequestRepository,
  { provide: REQUEST_REPOSITORY, useExisting: TypeOrmRequestRepository },
  { provide: REQUEST_LISTING, useExisting: TypeOrmRequestRepository },
  TypeOrmStaffDirectory,
  { provide: STAFF_DIRECTORY, useExisting: TypeOrmStaffDirectory },
];

export const clockProviders: Provider[] = [{ provide: CLOCK, useValue: systemClock }];

export const conversationProviders: Provider[] = [
  {
    provide: CONVERSATION_SERVICE_TARGET,
    useFactory: conversationServiceTarget,
    inject: [RequestServiceConfig],
  },
  HttpConversationOpener,
  { provide: CONVERSATION_OPENER, useExisting: HttpConversationOpener },
];
