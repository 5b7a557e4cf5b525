import type { Provider } from '@nestjs/common';
import { outboxUnitOfWorkProvider, type IntegrationEventMapper } from '@ajla/messaging';
import { systemClock } from '@ajla/shared-kernel';
import { CLOCK } from '../application/ports/clock.port';
import { NOTIFICATION_REPOSITORY } from '../domain/notification/notification.repository.port';
import { STAFF_DIRECTORY } from '../domain/staff/staff-directory.port';
import { TypeOrmNotificationRepository } from './persistence/typeorm-notification.repository';
import { TypeOrmStaffDirectory } from './persistence/typeorm-staff-directory';

export const PRODUCER = 'notification-service';

/**
 * The service publishes no events: it only consumes. A domain event reaching the unit of work
 * would be a mistake, and having no contract it fails the transaction.
 */
const noIntegrationEvents: IntegrationEventMapper = { toIntegrationEvent: () => undefined };

// Ports bound to their adapters.

export const persistenceProviders: Provider[] = [
  outboxUnitOfWorkProvider({ producer: PRODUCER, events: noIntegrationEvents }),
  TypeOrmNotificationRepository,
  { provide: NOTIFICATION_REPOSITORY, useExisting: TypeOrmNotificationRepository },
  TypeOrmStaffDirectory,
  { provide: STAFF_DIRECTORY, useExisting: TypeOrmStaffDirectory },
];

export const clockProviders: Provider[] = [{ provide: CLOCK, useValue: systemClock }];
