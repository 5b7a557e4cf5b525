// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { EnvBoolean } from './load-config';
import { Constructor } from './mixin';

/**
 * Adds the Postgres variables to a config class:
 * `class UserServiceConfig extends withDatabaseConfig(BaseServiceConfig) {}`.
 */
export function withDatabaseConfig<TBase extends Constructor>(Base: TBase) {
  class WithDatabaseConfig extends Base {
    @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
    DATABASE_URL!: string;

    /**
     * The schema owner's URL, used only to run migrations (at start-up or by `cli.js migrate`),
     * while `DATABASE_URL` is the runtime role's (no DDL rights; tools/provision.js makes both).
     * Unset: migrations run with `DATABASE_URL`, as in a single-role development database.
     */
    @IsOptional()
    @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
    DATABASE_MIGRATION_URL?: string;

    @IsInt({ message: 'must be an integer between 1 and 1000' })
    @Min(1, { message: 'must be an integer between 1 and 1000' })
    @Max(1000, { message: 'must be an integer between 1 and 1000' })
    DATABASE_POOL_SIZE: number = 10;

    /** Unset: migrations run at start-up unless `NODE_ENV=production` (see `shouldRunMigrations`). */
    @IsOptional()
    @EnvBoolean()
    DATABASE_RUN_MIGRATIONS?: boolean;
  }
  return WithDatabaseConfig;
}

export class DatabaseConfig extends withDatabaseConfig(class {}) {}

/** The URL migrations run with: `DATABASE_MIGRATION_URL` (the schema owner), else `DATABASE_URL`. */
export function migrationUrl(
  config: Pick<DatabaseConfig, 'DATABASE_URL' | 'DATABASE_MIGRATION_URL'>,
): string {
  return config.DATABASE_MIGRATION_URL || config.DATABASE_URL;
}

/** `DATABASE_RUN_MIGRATIONS`, or when unset: everywhere but production (which runs them as a Job). */
export function shouldRunMigrations(
  config: Pick<DatabaseConfig, 'DATABASE_RUN_MIGRATIONS'> & { NODE_ENV?: string },
  env: Record<string, string | undefined> = process.env,
): boolean {
  return config.DATABASE_RUN_MIGRATIONS ?? (config.NODE_ENV ?? env.NODE_ENV) !== 'production';
}
