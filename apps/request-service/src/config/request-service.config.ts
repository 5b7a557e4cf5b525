// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { withAuthConfig } from '@ajla/auth';
import { withMessagingConfig } from '@ajla/messaging';
import { BaseServiceConfig, loadConfig, withDatabaseConfig, withRedisConfig } from '@ajla/platform';
import { IsInt, Matches, Max, Min } from 'class-validator';

/** The local development database (`npm run up` and the README's "run it alone"). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ajla';

/** What the command-line tools need: the database and, for `dead-letters`, the broker. */
export class RequestServiceCliConfig extends withMessagingConfig(
  withDatabaseConfig(BaseServiceConfig),
) {
  override PORT: number = 8002;
  override DATABASE_URL: string = DEFAULT_DATABASE_URL;
}

/**
 * Everything request-service reads from its environment (see the service README for the table).
 * Redis only feeds the session revocation list of its token verifier.
 */
export class RequestServiceConfig extends withMessagingConfig(
  withAuthConfig(withRedisConfig(withDatabaseConfig(BaseServiceConfig))),
) {
  override PORT: number = 8002;
  override DATABASE_URL: string = DEFAULT_DATABASE_URL;

  /**
   * conversation-service, called right after a submission to open the request's conversation at
   * once; `none` (or an empty variable) disables the call, leaving it to `request.submitted`.
   */
  @Matches(/^(https?:\/\/\S+|none)$/i, { message: 'must be an http(s):// URL or none' })
  CONVERSATION_SERVICE_URL: string = 'http://127.0.0.1:8003';

  /** How long a submission waits for conversation-service before answering anyway. */
  @IsInt({ message: 'must be an integer from 100 to 30000 (milliseconds)' })
  @Min(100, { message: 'must be an integer from 100 to 30000 (milliseconds)' })
  @Max(30_000, { message: 'must be an integer from 100 to 30000 (milliseconds)' })
  CONVERSATION_SERVICE_TIMEOUT_MS: number = 2000;
}

/**
 * The service's configuration from `env`. An empty `CONVERSATION_SERVICE_URL` means "no call"
 * (where `loadConfig` would apply the default to an empty variable).
 */
export function loadRequestServiceConfig(
  env: Record<string, string | undefined> = process.env,
): RequestServiceConfig {
  const conversationUrl = env.CONVERSATION_SERVICE_URL;
  return loadConfig(RequestServiceConfig, {
    ...env,
    ...(conversationUrl !== undefined && conversationUrl.trim() === ''
      ? { CONVERSATION_SERVICE_URL: 'none' }
      : {}),
  });
}
