import { createDataSource } from '@ajla/platform';
import type { UserServiceCliConfig } from '../../config/user-service.config';
import { USERS_SCHEMA, userServiceEntities } from '../persistence/entities';
import { userServiceMigrations } from '../persistence/migrations';

/** Runs the pending migrations of the `users` schema (under the platform's advisory lock). */
export async function migrate(
  config: UserServiceCliConfig,
  out: (line: string) => void,
): Promise<void> {
  const dataSource = createDataSource({
    url: config.DATABASE_URL,
    schema: USERS_SCHEMA,
    entities: userServiceEntities,
    migrations: userServiceMigrations,
    poolSize: 1,
    applicationName: 'ajla-users-migrate',
  });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length === 0) out('users schema: up to date, no migration to run');
    for (const migration of applied) out(`users schema: applied ${migration.name}`);
  } finally {
    await dataSource.destroy();
  }
}
