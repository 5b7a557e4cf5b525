import { DynamicModule, Module } from '@nestjs/common';
import { OutboxWriter } from '@ajla/messaging';
import { DatabaseModule } from '@ajla/platform';
import { EnsureAdminHandler } from '../../application/ensure-admin/ensure-admin.handler';
import type { UserServiceCliConfig } from '../../config/user-service.config';
import { USERS_SCHEMA, userServiceEntities } from '../persistence/entities';
import { userServiceMigrations } from '../persistence/migrations';
import { clockProviders, passwordProviders, persistenceProviders } from '../user-service.providers';

/**
 * Just what the command-line tools use: the database, password hashing and their use cases. An
 * admin created here records user.registered in the outbox; the service's relay publishes it.
 */
@Module({})
export class CliModule {
  static forRoot(config: UserServiceCliConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        DatabaseModule.forRoot({
          schema: USERS_SCHEMA,
          entities: userServiceEntities,
          migrations: userServiceMigrations,
          config,
        }),
      ],
      providers: [
        ...persistenceProviders,
        ...passwordProviders,
        ...clockProviders,
        OutboxWriter,
        EnsureAdminHandler,
      ],
    };
  }
}
