import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseConfig, migrationUrl, shouldRunMigrations } from '../config/database.config';
import { loadConfig } from '../config/load-config';
import { READINESS_CHECKS } from '../health/readiness';
import { ServiceDataSourceOptions, createDataSource } from './create-data-source';
import { migrateSchema } from './migrate-schema';
import { PostgresReadinessCheck } from './postgres-readiness.check';

export interface DatabaseModuleOptions extends Pick<
  ServiceDataSourceOptions,
  'schema' | 'entities' | 'migrations'
> {
  /** Defaults to `DATABASE_*` from the environment. */
  config?: DatabaseConfig & { NODE_ENV?: string };
}

// Only a database that is not there yet (starting, restarting) is worth waiting for.
const TRANSIENT = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P03',
]);

/**
 * The service's Postgres `DataSource` (injectable as `DataSource`; `TypeOrmModule.forFeature` and
 * `@InjectRepository` work too), migrated at start-up when configured, closed on shutdown after
 * the HTTP server, and checked by `/health/ready`.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            retryAttempts: 5,
            retryDelay: 2000,
            toRetry: (error: { code?: string }) => TRANSIENT.has(error?.code ?? ''),
            autoLoadEntities: true,
          }),
          // `autoLoaded.entities` holds those of `TypeOrmModule.forFeature()`.
          dataSourceFactory: async (autoLoaded) => {
            const config = options.config ?? loadConfig(DatabaseConfig);
            // With a migration URL (the schema owner's), migrations run on a connection of their
            // own before the runtime role's pool opens: that role has no DDL rights.
            const separateMigrations =
              shouldRunMigrations(config) && migrationUrl(config) !== config.DATABASE_URL;
            if (separateMigrations) {
              await migrateSchema(
                migrationUrl(config),
                { schema: options.schema, migrations: options.migrations },
                () => undefined,
              );
            }
            const dataSource = createDataSource({
              url: config.DATABASE_URL,
              schema: options.schema,
              entities: [...listOf(options.entities), ...listOf(autoLoaded?.entities)],
              migrations: options.migrations,
              poolSize: config.DATABASE_POOL_SIZE,
            });
            await dataSource.initialize();
            try {
              if (shouldRunMigrations(config) && !separateMigrations) {
                await dataSource.runMigrations();
              }
            } catch (error) {
              await dataSource.destroy();
              throw error;
            }
            return dataSource;
          },
        }),
      ],
      providers: [
        PostgresReadinessCheck,
        { provide: READINESS_CHECKS, useExisting: PostgresReadinessCheck },
      ],
      exports: [PostgresReadinessCheck],
    };
  }
}

function listOf<T>(list: T[] | Record<string, T> | undefined): T[] {
  return Array.isArray(list) ? list : Object.values(list ?? {});
}
