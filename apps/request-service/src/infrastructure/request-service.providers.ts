import type { Provider } from '@nestjs/common';
import { systemClock } from '@ajla/shared-kernel';
import { CLOCK } from '../application/ports/clock.port';
import { UNIT_OF_WORK } from '../application/ports/unit-of-work.port';
import { REQUEST_LISTING, REQUEST_REPOSITORY } from '../domain/request/request.repository.port';
import { STAFF_DIRECTORY } from '../domain/staff/staff-directory.port';
import { TypeOrmRequestRepository } from './persistence/typeorm-request.repository';
import { TypeOrmStaffDirectory } from './persistence/typeorm-staff-directory';
import { TypeOrmUnitOfWork } from './persistence/typeorm-unit-of-work';

// Ports bound to their adapters.

export const persistenceProviders: Provider[] = [
  TypeOrmUnitOfWork,
  { provide: UNIT_OF_WORK, useExisting: TypeOrmUnitOfWork },
  TypeOrmRequestRepository,
  { provide: REQUEST_REPOSITORY, useExisting: TypeOrmRequestRepository },
  { provide: REQUEST_LISTING, useExisting: TypeOrmRequestRepository },
  TypeOrmStaffDirectory,
  { provide: STAFF_DIRECTORY, useExisting: TypeOrmStaffDirectory },
];

export const clockProviders: Provider[] = [{ provide: CLOCK, useValue: systemClock }];
