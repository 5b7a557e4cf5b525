// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { withAuthConfig } from '@ajla/auth';
import { withMessagingConfig } from '@ajla/messaging';
import { BaseServiceConfig, withDatabaseConfig, withRedisConfig } from '@ajla/platform';
import {
  IsEmail,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import {
  LOGIN_THROTTLE_POLICY,
  type LoginThrottlePolicy,
} from '../domain/login/login-throttle.port';
import {
  PASSWORD_MAX_CHARACTERS,
  PASSWORD_MIN_CHARACTERS,
} from '../domain/user/password.value-object';

const DAY_SECONDS = 24 * 3600;

/** The local development database (`npm run up` and the README's "run it alone"). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ajla';

/** What the command-line tools need: the database only (no port, keys or Redis). */
export class UserServiceCliConfig extends withMessagingConfig(
  withDatabaseConfig(BaseServiceConfig),
) {
  override PORT: number = 8001;
  override DATABASE_URL: string = DEFAULT_DATABASE_URL;
}

/** Everything user-service reads from its environment (see the service README for the table). */
export class UserServiceConfig extends withMessagingConfig(
  withAuthConfig(withRedisConfig(withDatabaseConfig(BaseServiceConfig))),
) {
  override PORT: number = 8001;

  override DATABASE_URL: string = DEFAULT_DATABASE_URL;

  /** How long a session (refresh token family) lasts from its login; rotations do not extend it. */
  @IsInt({ message: 'must be an integer from 1 to 365 (days)' })
  @Min(1, { message: 'must be an integer from 1 to 365 (days)' })
  @Max(365, { message: 'must be an integer from 1 to 365 (days)' })
  REFRESH_TOKEN_TTL_DAYS: number = 30;

  /**
   * A session family (with its refresh tokens) is deleted this many days after it ended: revoked,
   * or its last token expired. Until then a reused old token is still recognised as such.
   */
  @IsInt({ message: 'must be an integer from 1 to 3650 (days)' })
  @Min(1, { message: 'must be an integer from 1 to 3650 (days)' })
  @Max(3650, { message: 'must be an integer from 1 to 3650 (days)' })
  REFRESH_FAMILY_RETENTION_DAYS: number = 30;

  /** How often the session family retention job runs. */
  @IsInt({ message: 'must be an integer from 1 to 10080 (minutes)' })
  @Min(1, { message: 'must be an integer from 1 to 10080 (minutes)' })
  @Max(10_080, { message: 'must be an integer from 1 to 10080 (minutes)' })
  REFRESH_FAMILY_PRUNE_INTERVAL_MINUTES: number = 60;

  /** With ADMIN_PASSWORD: this admin account is made sure of at start-up. */
  @ValidateIf(
    (config: UserServiceConfig) =>
      config.ADMIN_EMAIL !== undefined || config.ADMIN_PASSWORD !== undefined,
  )
  @IsEmail(
    {},
    { message: 'must be an e-mail address (and is required when ADMIN_PASSWORD is set)' },
  )
  ADMIN_EMAIL?: string;

  @ValidateIf(
    (config: UserServiceConfig) =>
      config.ADMIN_EMAIL !== undefined || config.ADMIN_PASSWORD !== undefined,
  )
  @IsString({ message: 'is required when ADMIN_EMAIL is set' })
  @MinLength(PASSWORD_MIN_CHARACTERS, {
    message: `must be at least ${PASSWORD_MIN_CHARACTERS} characters`,
  })
  @MaxLength(PASSWORD_MAX_CHARACTERS, {
    message: `must be at most ${PASSWORD_MAX_CHARACTERS} characters`,
  })
  ADMIN_PASSWORD?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  ADMIN_FULL_NAME?: string;

  // The login throttle of API.md; changeable for load tests and drills, not meant to be tuned.
  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  LOGIN_MAX_FAILURES_PER_ACCOUNT: number = LOGIN_THROTTLE_POLICY.maxFailuresPerAccount;

  @IsInt({ message: 'must be a positive integer' })
  @Min(1, { message: 'must be a positive integer' })
  LOGIN_MAX_FAILURES_PER_ADDRESS: number = LOGIN_THROTTLE_POLICY.maxFailuresPerAddress;

  @IsInt({ message: 'must be a positive integer (seconds)' })
  @Min(1, { message: 'must be a positive integer (seconds)' })
  LOGIN_FAILURE_WINDOW_SECONDS: number = LOGIN_THROTTLE_POLICY.windowSeconds;

  get sessionLifetimeSeconds(): number {
    return this.REFRESH_TOKEN_TTL_DAYS * DAY_SECONDS;
  }

  get loginThrottlePolicy(): LoginThrottlePolicy {
    return {
      maxFailuresPerAccount: this.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxFailuresPerAddress: this.LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: this.LOGIN_FAILURE_WINDOW_SECONDS,
    };
  }

  /** Both bootstrap variables set. */
  get bootstrapAdmin(): { email: string; password: string; fullName?: string } | undefined {
    if (this.ADMIN_EMAIL === undefined || this.ADMIN_PASSWORD === undefined) return undefined;
    return {
      email: this.ADMIN_EMAIL,
      password: this.ADMIN_PASSWORD,
      fullName: this.ADMIN_FULL_NAME,
    };
  }
}
