// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { withAuthConfig } from '@ajla/auth';
import { withMessagingConfig } from '@ajla/messaging';
import { BaseServiceConfig, withDatabaseConfig, withRedisConfig } from '@ajla/platform';
import { IsInt, Max, Min } from 'class-validator';

/** The local development database (`npm run up` and the README's "run it alone"). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/ajla';

/** What the command-line tools need: the database and, for `dead-letters`, the broker. */
export class ConversationServiceCliConfig extends withMessagingConfig(
  withDatabaseConfig(BaseServiceConfig),
) {
  override PORT: number = 8003;
  override DATABASE_URL: string = DEFAULT_DATABASE_URL;
}

/** Everything conversation-service reads from its environment (see the service README). */
export class ConversationServiceConfig extends withMessagingConfig(
  withAuthConfig(withRedisConfig(withDatabaseConfig(BaseServiceConfig))),
) {
  override PORT: number = 8003;
  override DATABASE_URL: string = DEFAULT_DATABASE_URL;

  /**
   * Largest WebSocket frame; a bigger one closes the connection with 1009. Frames up to 16 KiB
   * are always accepted (API.md), so it cannot be set lower.
   */
  @IsInt({ message: 'must be an integer from 16384 to 1048576 (bytes)' })
  @Min(16_384, { message: 'must be an integer from 16384 to 1048576 (bytes)' })
  @Max(1_048_576, { message: 'must be an integer from 16384 to 1048576 (bytes)' })
  CHAT_MAX_FRAME_BYTES: number = 65_536;

  /** How often every connection is pinged; one that has not answered the last ping is dropped. */
  @IsInt({ message: 'must be an integer from 100 to 300000 (milliseconds)' })
  @Min(100, { message: 'must be an integer from 100 to 300000 (milliseconds)' })
  @Max(300_000, { message: 'must be an integer from 100 to 300000 (milliseconds)' })
  CHAT_HEARTBEAT_MS: number = 25_000;

  /** Frames a connection may send at once (API.md: at least 200)... */
  @IsInt({ message: 'must be an integer from 200 to 100000' })
  @Min(200, { message: 'must be an integer from 200 to 100000' })
  @Max(100_000, { message: 'must be an integer from 200 to 100000' })
  CHAT_RATE_BURST: number = 200;

  /** ...and per second sustained (at least 50); beyond, the connection is closed with 1008. */
  @IsInt({ message: 'must be an integer from 50 to 100000' })
  @Min(50, { message: 'must be an integer from 50 to 100000' })
  @Max(100_000, { message: 'must be an integer from 50 to 100000' })
  CHAT_RATE_PER_SECOND: number = 50;
}
