import { IsString } from 'class-validator';
import { BaseServiceConfig } from './base-service.config';
import { DatabaseConfig, shouldRunMigrations, withDatabaseConfig } from './database.config';
import { ConfigError, loadConfig } from './load-config';
import { withRedisConfig } from './redis.config';

class ServiceConfig extends withRedisConfig(withDatabaseConfig(BaseServiceConfig)) {
  @IsString()
  GREETING: string = 'hello';
}

const valid = { PORT: '8001', DATABASE_URL: 'postgres://u:p@db:5432/ajla' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(ServiceConfig, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('converts values, applies defaults and drops undeclared variables', () => {
    const config = loadConfig(ServiceConfig, { ...valid, DATABASE_POOL_SIZE: '4', PATH: '/bin' });
    expect(config).toMatchObject({
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      PORT: 8001,
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: 1048576,
      SHUTDOWN_GRACE_MS: 10000,
      DATABASE_URL: valid.DATABASE_URL,
      DATABASE_POOL_SIZE: 4,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: 'ajla:',
      GREETING: 'hello',
    });
    expect(config).toBeInstanceOf(ServiceConfig);
    expect(config).not.toHaveProperty('PATH');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig(ServiceConfig, { ...valid, LOG_LEVEL: '' }).LOG_LEVEL).toBe('info');
  });

  it('says which variable is bad, what it must be and what it got', () => {
    expect(problemsOf({ ...valid, PORT: 'abc' })).toEqual([
      'PORT: must be an integer between 1 and 65535 (got "abc")',
    ]);
  });

  it('lists every bad or missing variable, one line each', () => {
    const problems = problemsOf({ PORT: '70000', NODE_ENV: 'staging', LOG_LEVEL: 'loud' });
    expect(problems).toEqual([
      'NODE_ENV: must be one of development, test, production (got "staging")',
      'PORT: must be an integer between 1 and 65535 (got "70000")',
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      'DATABASE_URL: must be a postgres:// URL (not set)',
    ]);
  });

  it('never echoes values of variables that may hold credentials', () => {
    const problems = problemsOf({ ...valid, DATABASE_URL: 'mysql://root:hunter2@db/x' });
    expect(problems).toEqual(['DATABASE_URL: must be a postgres:// URL (value hidden)']);
  });

  it('puts the problems in the error message, one per line', () => {
    expect(() => loadConfig(ServiceConfig, {})).toThrow(
      /Invalid configuration:\n {2}PORT: must be an integer between 1 and 65535 \(not set\)\n {2}DATABASE_URL/,
    );
  });

  it('reads booleans strictly', () => {
    expect(
      loadConfig(DatabaseConfig, { ...valid, DATABASE_RUN_MIGRATIONS: 'false' })
        .DATABASE_RUN_MIGRATIONS,
    ).toBe(false);
    expect(
      loadConfig(DatabaseConfig, { ...valid, DATABASE_RUN_MIGRATIONS: 'YES' })
        .DATABASE_RUN_MIGRATIONS,
    ).toBe(true);
    expect(() =>
      loadConfig(DatabaseConfig, { ...valid, DATABASE_RUN_MIGRATIONS: 'maybe' }),
    ).toThrow('DATABASE_RUN_MIGRATIONS: must be true or false (got "maybe")');
  });

  it('runs migrations at start-up by default everywhere but production', () => {
    const unset = loadConfig(DatabaseConfig, valid);
    expect(shouldRunMigrations({ ...unset, NODE_ENV: 'development' })).toBe(true);
    expect(shouldRunMigrations({ ...unset, NODE_ENV: 'production' })).toBe(false);
    expect(shouldRunMigrations(unset, { NODE_ENV: 'production' })).toBe(false);
    expect(shouldRunMigrations({ DATABASE_RUN_MIGRATIONS: true, NODE_ENV: 'production' })).toBe(
      true,
    );
  });
});
