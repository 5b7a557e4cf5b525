import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface MigratedDatabase<D extends DataSource = DataSource> {
  database: TestDatabase;
  /** Initialised and migrated. */
  dataSource: D;
  /** Closes the data source, then drops the database. */
  close(): Promise<void>;
}

/**
 * A fresh database (`createTestDatabase(prefix)`) with the migrations of the data source that
 * `dataSourceFor(url)` builds on it run, e.g. the service's own:
 * `migratedDatabase('users_persistence', (url) => createDataSource({ url, schema, entities, migrations }))`.
 * (The factory comes from the caller: `@ajla/platform`'s own tests use this library.)
 */
export async function migratedDatabase<D extends DataSource>(
  prefix: string,
  dataSourceFor: (url: string) => D,
): Promise<MigratedDatabase<D>> {
  const database = await createTestDatabase(prefix);
  const dataSource = dataSourceFor(database.url);
  try {
    await dataSource.initialize();
    await dataSource.runMigrations();
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await database.drop();
    throw error;
  }
  return {
    database,
    dataSource,
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
