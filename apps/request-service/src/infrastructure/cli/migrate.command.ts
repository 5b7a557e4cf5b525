import { createDataSource } from '@ajla/platform';
import type { RequestServiceCliConfig } from '../../config/request-service.config';
import { REQUESTS_SCHEMA, requestServiceEntities } from '../persistence/entities';
import { requestServiceMigrations } from '../persistence/migrations';

/** Runs the pending migrations of the `requests` schema (under the platform's advisory lock). */
export async function migrate(
  config: RequestServiceCliConfig,
  out: (line: string) => void,
): Promise<void> {
  const dataSource = createDataSource({
    url: config.DATABASE_URL,
    schema: REQUESTS_SCHEMA,
    entities: requestServiceEntities,
    migrations: requestServiceMigrations,
    poolSize: 1,
    applicationName: 'ajla-requests-migrate',
  });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length === 0) out('requests schema: up to date, no migration to run');
    for (const migration of applied) out(`requests schema: applied ${migration.name}`);
  } finally {
    await dataSource.destroy();
  }
}
