import { createDataSource, type ServiceDataSource } from '@ajla/platform';
import { createTestDatabase, type TestDatabase } from '@ajla/testing';
import { USERS_SCHEMA, userServiceEntities } from '../src/infrastructure/persistence/entities';
import { userServiceMigrations } from '../src/infrastructure/persistence/migrations';

export interface MigratedDatabase {
  database: TestDatabase;
  dataSource: ServiceDataSource;
  close(): Promise<void>;
}

/** A fresh database with the `users` schema migrated, as user-service sees it. */
export async function migratedDatabase(label: string): Promise<MigratedDatabase> {
  const database = await createTestDatabase(`users_${label}`);
  const dataSource = createDataSource({
    url: database.url,
    schema: USERS_SCHEMA,
    entities: userServiceEntities,
    migrations: userServiceMigrations,
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  return {
    database,
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
