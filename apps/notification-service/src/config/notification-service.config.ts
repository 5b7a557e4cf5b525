// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
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
 * table). Redis only feeds the session revocation list of its token verifier.
 */
export class NotificationServiceConfig extends withMessagingConfig(
  withAuthConfig(withRedisConfig(withDatabaseConfig(BaseServiceConfig))),
) {
  override PORT: number = 8004;
  override DATABASE_URL: string = DEFAULT_DATABASE_URL;
}

/** The service's configuration from `env`. */
export function loadNotificationServiceConfig(
  env: Record<string, string | undefined> = process.env,
): NotificationServiceConfig {
  return loadConfig(NotificationServiceConfig, env);
}
