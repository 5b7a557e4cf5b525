// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { withAuthConfig } from '@ajla/auth';
import { withMessagingConfig } from '@ajla/messaging';
import {
  BaseServiceConfig,
  EnvBoolean,
  loadConfig,
  withDatabaseConfig,
  withRedisConfig,
} from '@ajla/platform';
import { IsInt, IsNotEmpty, IsString, Matches, Max, Min, ValidateIf } from 'class-validator';

const DELAY_LIST = /^\s*[1-9]\d{0,8}(\s*,\s*[1-9]\d{0,8})*\s*$/;

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

  /**
   * `smtp://user:pass@host:port` (or `smtps://`); unset: mail is written as .eml files instead,
   * which production does not allow (its mail would reach nobody).
   */
  @ValidateIf(
    (config: { NODE_ENV?: string; SMTP_URL?: string }) =>
      config.NODE_ENV === 'production' || config.SMTP_URL !== undefined,
  )
  @Matches(/^smtps?:\/\/[^\s]+$/, { message: 'must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString()
  @IsNotEmpty({ message: 'must be a sender address, e.g. AJLA <no-reply@example.com>' })
  MAIL_FROM: string = 'AJLA <no-reply@ajla.localhost>';

  /** Where mail goes when SMTP_URL is unset: one .eml file per mail. */
  @IsString()
  @IsNotEmpty({ message: 'must be a folder' })
  MAIL_DROP_DIR: string = 'tmp/mail';

  /** The web app the mails link to. */
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http:// or https:// URL' })
  WEB_APP_URL: string = 'http://localhost:8000';

  /** How long a client has to read staff replies before they are mailed (one mail per conversation). */
  @IsInt({ message: 'must be an integer from 0 to 86400000 (milliseconds)' })
  @Min(0, { message: 'must be an integer from 0 to 86400000 (milliseconds)' })
  @Max(86_400_000, { message: 'must be an integer from 0 to 86400000 (milliseconds)' })
  MAIL_DIGEST_DELAY_MS: number = 120_000;

  /** Back-off of a mail that could not be sent; the last delay repeats: a mail is never dropped. */
  @Matches(DELAY_LIST, {
    message: 'must be a comma-separated list of positive integers (milliseconds)',
  })
  MAIL_RETRY_DELAYS_MS: string = '10000,60000,300000,1800000';

  /** How often the sender looks for mail that is due. */
  @IsInt({ message: 'must be an integer from 50 to 3600000 (milliseconds)' })
  @Min(50, { message: 'must be an integer from 50 to 3600000 (milliseconds)' })
  @Max(3_600_000, { message: 'must be an integer from 50 to 3600000 (milliseconds)' })
  MAIL_POLL_INTERVAL_MS: number = 1000;

  /** How long a webhook receiver has to answer one delivery attempt. */
  @IsInt({ message: 'must be an integer from 100 to 60000 (milliseconds)' })
  @Min(100, { message: 'must be an integer from 100 to 60000 (milliseconds)' })
  @Max(60_000, { message: 'must be an integer from 100 to 60000 (milliseconds)' })
  WEBHOOK_TIMEOUT_MS: number = 10_000;

  /**
   * The waits before each retry of a webhook delivery; after the last retry fails, the delivery
   * is failed. The default, like Svix's, retries for about a day and a quarter.
   */
  @Matches(DELAY_LIST, {
    message: 'must be a comma-separated list of positive integers (milliseconds)',
  })
  WEBHOOK_RETRY_DELAYS_MS: string = '5000,300000,1800000,7200000,18000000,36000000,36000000';

  /** How often the webhook sender looks for deliveries that are due. */
  @IsInt({ message: 'must be an integer from 50 to 3600000 (milliseconds)' })
  @Min(50, { message: 'must be an integer from 50 to 3600000 (milliseconds)' })
  @Max(3_600_000, { message: 'must be an integer from 50 to 3600000 (milliseconds)' })
  WEBHOOK_POLL_INTERVAL_MS: number = 1000;

  /**
   * After a secret rotation, how long every request is signed with the old secret too (a rotation
   * may ask for another overlap). The default, like Svix's, gives receivers a day to switch.
   */
  @IsInt({ message: 'must be an integer from 0 to 604800000 (milliseconds, 7 days)' })
  @Min(0, { message: 'must be an integer from 0 to 604800000 (milliseconds, 7 days)' })
  @Max(604_800_000, { message: 'must be an integer from 0 to 604800000 (milliseconds, 7 days)' })
  WEBHOOK_SECRET_OVERLAP_MS: number = 86_400_000;

  /**
   * A webhook whose deliveries have all failed for this long (no success in between) is turned
   * off and the admins are told; 0 never turns one off. The default, like Svix's, is 5 days.
   */
  @IsInt({ message: 'must be an integer from 0 to 2678400000 (milliseconds, 31 days)' })
  @Min(0, { message: 'must be an integer from 0 to 2678400000 (milliseconds, 31 days)' })
  @Max(2_678_400_000, {
    message: 'must be an integer from 0 to 2678400000 (milliseconds, 31 days)',
  })
  WEBHOOK_DISABLE_AFTER_MS: number = 432_000_000;

  /**
   * true: webhooks may reach private, loopback and link-local addresses (tests and local runs,
   * whose receivers are on 127.0.0.1). Never in production: it opens the internal network.
   */
  @EnvBoolean()
  WEBHOOK_ALLOW_PRIVATE: boolean = false;
}

/** The service's configuration from `env`. */
export function loadNotificationServiceConfig(
  env: Record<string, string | undefined> = process.env,
): NotificationServiceConfig {
  return loadConfig(NotificationServiceConfig, env);
}
