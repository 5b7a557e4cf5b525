import { Client } from 'pg';
import { DataSource, EntitySchema, Migration, MixedList } from 'typeorm';
import { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';

export interface ServiceDataSourceOptions {
  url: string;
  /** The service's own schema: its tables, its migrations table, its `search_path`. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities?: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations?: MixedList<Function | string>;
  poolSize?: number;
  applicationName?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * A Postgres `DataSource` confined to one schema. `initialize()` creates the schema when it is
 * missing (the migrations table lives in it); `runMigrations()` holds a Postgres advisory lock, so
 * replicas starting together migrate one after the other. `synchronize` is never on.
 */
export class ServiceDataSource extends DataSource {
  constructor(
    private readonly target: { url: string; schema: string },
    options: PostgresDataSourceOptions,
  ) {
    super(options);
  }

  override async initialize(): Promise<this> {
    await ensureSchema(this.target.url, this.target.schema);
    return super.initialize();
  }

  override async runMigrations(
    options?: Parameters<DataSource['runMigrations']>[0],
  ): Promise<Migration[]> {
    return withAdvisoryLock(this.target.url, `ajla:migrations:${this.target.schema}`, () =>
      super.runMigrations(options),
    );
  }
}

/** The service's `DataSource`, not yet initialised: for Nest, the TypeORM CLI, a migration job, tests. */
export function createDataSource(options: ServiceDataSourceOptions): ServiceDataSource {
  const { url, schema } = options;
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`Invalid schema name "${schema}": use lower-case letters, digits and _`);
  }
  return new ServiceDataSource(
    { url, schema },
    {
      type: 'postgres',
      url,
      schema,
      entities: options.entities ?? [],
      migrations: options.migrations ?? [],
      migrationsTableName: 'migrations',
      migrationsRun: false, // run explicitly, under the lock
      synchronize: false,
      poolSize: options.poolSize ?? 10,
      applicationName: options.applicationName ?? `ajla-${schema}`,
      // Unqualified names in hand-written SQL (migrations) land in the service's schema; `public`
      // stays reachable for extensions' functions.
      extra: { options: `-c search_path=${schema},public` },
      logging: false,
    },
  );
}

/**
 * Creates the schema only when it is missing: a production role without CREATE on the database
 * still starts against a schema that an administrator made for it.
 */
async function ensureSchema(url: string, schema: string): Promise<void> {
  await withClient(url, async (client) => {
    const { rowCount } = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [
      schema,
    ]);
    if (rowCount) return;
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    } catch (error) {
      // Two services creating it at the same moment: the other one won, which is fine.
      if ((error as { code?: string }).code !== '23505') throw error;
    }
  });
}

async function withAdvisoryLock<T>(url: string, key: string, fn: () => Promise<T>): Promise<T> {
  // A connection of its own: the pool may have a single connection, which the migrations need.
  return withClient(url, async (client) => {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
    }
  });
}

async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
