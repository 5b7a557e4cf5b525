import { parseArgs } from 'node:util';
import type { CliCommand, CliOutput } from '../cli/run-cli';
import { migrationUrl } from '../config/database.config';
import { createDataSource, type ServiceDataSourceOptions } from './create-data-source';

export type SchemaMigrationTarget = Omit<ServiceDataSourceOptions, 'url' | 'poolSize'>;

/**
 * Runs the pending migrations of a service's schema (each in its own transaction, under the
 * advisory lock of `createDataSource`) on one connection, printing a line per migration applied,
 * `<schema> schema: applied <name>`, or `<schema> schema: up to date, no migration to run`.
 * Resolves to the names applied.
 */
export async function migrateSchema(
  url: string,
  target: SchemaMigrationTarget,
  out: CliOutput,
): Promise<string[]> {
  const dataSource = createDataSource({
    applicationName: `ajla-${target.schema}-migrate`,
    ...target,
    url,
    poolSize: 1,
  });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    if (applied.length === 0) out(`${target.schema} schema: up to date, no migration to run`);
    for (const migration of applied) out(`${target.schema} schema: applied ${migration.name}`);
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * The `migrate` command of a service's CLI (`runCli`): takes no options, runs as
 * `DATABASE_MIGRATION_URL` (the schema owner) when set, else as `DATABASE_URL`.
 */
export function migrateCommand<C extends { DATABASE_URL: string; DATABASE_MIGRATION_URL?: string }>(
  target: SchemaMigrationTarget,
): CliCommand<C> {
  return async ({ config, args, out }) => {
    parseArgs({ args, options: {}, strict: true });
    await migrateSchema(migrationUrl(config), target, out);
  };
}
