// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { withAuthConfig } from '@ajla/auth';
import { withMessagingConfig } from '@ajla/messaging';
import { BaseServiceConfig, withDatabaseConfig } from '@ajla/platform';

/** The local development database (`npm run up` and the README's "run it alone"). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ajla';

/** What the command-line tools need: the database only (no port, keys or broker). */
export class RequestServiceCliConfig extends withDatabaseConfig(BaseServiceConfig) {
  override PORT: number = 8002;
  override DATABASE_URL: string = DEFAULT_DATABASE_URL;
}

/** Everything request-service reads from its environment (see the service README for the table). */
export class RequestServiceConfig extends withMessagingConfig(
  withAuthConfig(withDatabaseConfig(BaseServiceConfig)),
) {
  override PORT: number = 8002;
  override DATABASE_URL: string = DEFAULT_DATABASE_URL;
}
