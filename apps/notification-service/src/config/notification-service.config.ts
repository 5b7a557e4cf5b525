// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { IsInt, Max, Min } from 'class-validator';
import { withAuthConfig } from '@ajla/auth';
import { withMessagingConfig } from '@ajla/messaging';
import { BaseServiceConfig, loadConfig, withDatabaseConfig, withRedisConfig } from '@ajla/platform';

/** The local development database (`npm run up` and the README's "run it alone"). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ajla';

/** What the command-line tools need: the database and, for `dead-letters`, the broker. */
export class NotificationServiceCliConfig extends withMessagingConfig(
  withDatabaseConfig(BaseServiceConfig),
) {
  override PORT: number = 8004;
  override DATABASE_URL: string = DEFAULT_DATABASE_URL;
}

/**
 * Everything notification-service reads from its environment (see the service README for the
 * table). Redis carries the live pushes between replicas and the session revocation list.
 */
export class NotificationServiceConfig extends withMessagingConfig(
  withAuthConfig(withRedisConfig(withDatabaseConfig(BaseServiceConfig))),
) {
  override PORT: number = 8004;
  override DATABASE_URL: string = DEFAULT_DATABASE_URL;

  /** How often every notifications socket is pinged; one that has not answered the last is dropped. */
  @IsInt({ message: 'must be an integer from 100 to 300000 (milliseconds)' })
  @Min(100, { message: 'must be an integer from 100 to 300000 (milliseconds)' })
  @Max(300_000, { message: 'must be an integer from 100 to 300000 (milliseconds)' })
  NOTIFICATIONS_HEARTBEAT_MS: number = 25_000;
}

/** The service's configuration from `env`. */
export function loadNotificationServiceConfig(
  env: Record<string, string | undefined> = process.env,
): NotificationServiceConfig {
  return loadConfig(NotificationServiceConfig, env);
}
