// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min } from 'class-validator';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What every service reads from its environment; a service config extends it. */
export class BaseServiceConfig {
  @IsIn(NODE_ENVS, { message: `must be one of ${NODE_ENVS.join(', ')}` })
  NODE_ENV: NodeEnv = 'development';

  @IsString()
  @IsNotEmpty({ message: 'must be a host name or address' })
  HOST: string = '0.0.0.0';

  @IsInt({ message: 'must be an integer between 1 and 65535' })
  @Min(1, { message: 'must be an integer between 1 and 65535' })
  @Max(65535, { message: 'must be an integer between 1 and 65535' })
  PORT!: number;

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  @IsInt({ message: 'must be a positive integer (bytes)' })
  @Min(1, { message: 'must be a positive integer (bytes)' })
  BODY_LIMIT_BYTES: number = 1024 * 1024;

  /**
   * Peers whose X-Forwarded-For is believed for the client address (comma list of IPs, CIDRs and
   * the names loopback, linklocal, uniquelocal; empty: none). Services sit behind the gateway on an
   * internal network, so the default believes internal addresses only, never the public internet.
   */
  @IsString()
  TRUST_PROXY: string = 'loopback,linklocal,uniquelocal';

  /** How long SIGTERM may take to finish in-flight work before the process exits anyway. */
  @IsInt({ message: 'must be a non-negative integer (milliseconds)' })
  @Min(0, { message: 'must be a non-negative integer (milliseconds)' })
  SHUTDOWN_GRACE_MS: number = 10_000;
}
