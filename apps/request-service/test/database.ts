import { createDataSource, type ServiceDataSource } from '@ajla/platform';
import { createTestDatabase, type TestDatabase } from '@ajla/testing';
import {
  REQUESTS_SCHEMA,
  requestServiceEntities,
} from '../src/infrastructure/persistence/entities';
import { requestServiceMigrations } from '../src/infrastructure/persistence/migrations';

export interface MigratedDatabase {
  database: TestDatabase;
  dataSource: ServiceDataSource;
  close(): Promise<void>;
}

/** A fresh database with the `requests` schema migrated, as request-service sees it. */
export async function migratedDatabase(label: string): Promise<MigratedDatabase> {
  const database = await createTestDatabase(`requests_${label}`);
  const dataSource = createDataSource({
    url: database.url,
    schema: REQUESTS_SCHEMA,
    entities: requestServiceEntities,
    migrations: requestServiceMigrations,
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
