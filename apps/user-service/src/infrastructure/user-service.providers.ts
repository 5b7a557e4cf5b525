import type { Provider } from '@nestjs/common';
import { OutboxUnitOfWork, outboxUnitOfWorkProvider } from '@ajla/messaging';
import { systemClock } from '@ajla/shared-kernel';
import { CLOCK } from '../application/ports/clock.port';
import { UNIT_OF_WORK } from '../application/ports/unit-of-work.port';
import { SESSION_REPOSITORY } from '../domain/session/session.repository.port';
import { PASSWORD_HASHER } from '../domain/user/password-hasher.port';
import { USER_DIRECTORY, USER_REPOSITORY } from '../domain/user/user.repository.port';
import { PRODUCER, userIntegrationEventMapper } from './messaging/user-integration-event.mapper';
import { TypeOrmSessionRepository } from './persistence/typeorm-session.repository';
import { TypeOrmUserRepository } from './persistence/typeorm-user.repository';
import { Argon2PasswordHasher } from './security/argon2-password-hasher';

// Ports bound to their adapters, shared by the HTTP application and the CLI.

export const persistenceProviders: Provider[] = [
  outboxUnitOfWorkProvider({ producer: PRODUCER, events: userIntegrationEventMapper }),
  { provide: UNIT_OF_WORK, useExisting: OutboxUnitOfWork },
  TypeOrmUserRepository,
  { provide: USER_REPOSITORY, useExisting: TypeOrmUserRepository },
  { provide: USER_DIRECTORY, useExisting: TypeOrmUserRepository },
  TypeOrmSessionRepository,
  { provide: SESSION_REPOSITORY, useExisting: TypeOrmSessionRepository },
];

export const passwordProviders: Provider[] = [
  Argon2PasswordHasher,
  { provide: PASSWORD_HASHER, useExisting: Argon2PasswordHasher },
];

export const clockProviders: Provider[] = [{ provide: CLOCK, useValue: systemClock }];
