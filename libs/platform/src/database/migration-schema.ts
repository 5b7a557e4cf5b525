import type { QueryRunner } from 'typeorm';

/**
 * The schema a migration runs in, quoted for SQL: the DataSource's `schema`, else `fallback`
 * (the service's own). Migrations name it on every table, so they never depend on `search_path`.
 */
export function migrationSchema(queryRunner: QueryRunner, fallback: string): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema ?? fallback;
  return `"${schema.replaceAll('"', '""')}"`;
}
