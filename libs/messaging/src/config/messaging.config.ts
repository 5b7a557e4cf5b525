// Loaded before the decorators below run, or their type metadata (used for conversion) is lost.
import 'reflect-metadata';
import { EVENTS_EXCHANGE } from '@ajla/contracts';
import type { Constructor } from '@ajla/platform';
import {
  IsInt,
  Matches,
  Max,
  Min,
  Validate,
  type ValidationArguments,
  ValidatorConstraint,
  type ValidatorConstraintInterface,
} from 'class-validator';

export const DEFAULT_RETRY_DELAYS_MS = '1000,5000,30000,120000,600000';

const DAY_MS = 24 * 3600 * 1000;

/**
 * The inbox must remember a handled event far longer than anything can bring it back: a retried
 * message waits at most the whole retry schedule, so the retention is at least ten times that.
 */
export const INBOX_RETENTION_OVER_RETRY_SCHEDULE = 10;

@ValidatorConstraint({ name: 'inboxRetentionCoversRetries' })
class InboxRetentionCoversRetries implements ValidatorConstraintInterface {
  validate(days: unknown, args: ValidationArguments): boolean {
    const delays = (args.object as { CONSUMER_RETRY_DELAYS_MS?: unknown }).CONSUMER_RETRY_DELAYS_MS;
    if (typeof days !== 'number' || days === 0 || typeof delays !== 'string') return true;
    if (!DELAY_LIST.test(delays)) return true; // reported on CONSUMER_RETRY_DELAYS_MS
    return days * DAY_MS >= INBOX_RETENTION_OVER_RETRY_SCHEDULE * retryScheduleMs(delays);
  }

  defaultMessage(args: ValidationArguments): string {
    const delays = String(
      (args.object as { CONSUMER_RETRY_DELAYS_MS?: unknown }).CONSUMER_RETRY_DELAYS_MS,
    );
    const leastDays = Math.ceil(
      (INBOX_RETENTION_OVER_RETRY_SCHEDULE * retryScheduleMs(delays)) / DAY_MS,
    );
    return `must be 0 (keep) or at least ${leastDays} days: ${INBOX_RETENTION_OVER_RETRY_SCHEDULE} times the whole retry schedule (CONSUMER_RETRY_DELAYS_MS), or a redelivered event could be handled twice`;
  }
}

function retryScheduleMs(delays: string): number {
  return parseRetryDelays(delays).reduce((sum, delay) => sum + delay, 0);
}

const DELAY_LIST = /^\s*[1-9]\d{0,7}(\s*,\s*[1-9]\d{0,7})*\s*$/;

/**
 * Adds the RabbitMQ and outbox variables to a config class:
 * `class RequestServiceConfig extends withMessagingConfig(withDatabaseConfig(BaseServiceConfig)) {}`.
 */
export function withMessagingConfig<TBase extends Constructor>(Base: TBase) {
  class WithMessagingConfig extends Base {
    @Matches(/^amqps?:\/\/\S+$/, { message: 'must be an amqp:// or amqps:// URL' })
    RABBITMQ_URL: string = 'amqp://guest:guest@127.0.0.1:5672';

    /** Deliveries a consumer holds unacknowledged at once (and so handles in parallel). */
    @IsInt({ message: 'must be an integer from 1 to 1000' })
    @Min(1, { message: 'must be an integer from 1 to 1000' })
    @Max(1000, { message: 'must be an integer from 1 to 1000' })
    RABBITMQ_PREFETCH: number = 32;

    /**
     * Events a consumer handles in one transaction at most: those that arrive while one runs
     * share the next (one inbox statement, one commit). 1: a transaction per event.
     */
    @IsInt({ message: 'must be an integer from 1 to 1000' })
    @Min(1, { message: 'must be an integer from 1 to 1000' })
    @Max(1000, { message: 'must be an integer from 1 to 1000' })
    CONSUMER_BATCH_SIZE: number = 32;

    /** The relay looks for unsent events this often even when no commit woke it. */
    @IsInt({ message: 'must be an integer from 10 to 60000 (milliseconds)' })
    @Min(10, { message: 'must be an integer from 10 to 60000 (milliseconds)' })
    @Max(60_000, { message: 'must be an integer from 10 to 60000 (milliseconds)' })
    OUTBOX_POLL_INTERVAL_MS: number = 200;

    /**
     * The longest a relay batch waits for company under load: after a batch of one event none,
     * after a batch of ten or more all of it (commits meanwhile share one transaction). 0 never
     * waits (commits that come while a batch runs still share the next one).
     */
    @IsInt({ message: 'must be an integer from 0 to 1000 (milliseconds)' })
    @Min(0, { message: 'must be an integer from 0 to 1000 (milliseconds)' })
    @Max(1000, { message: 'must be an integer from 0 to 1000 (milliseconds)' })
    OUTBOX_MIN_BATCH_INTERVAL_MS: number = 100;

    /** Events the relay publishes per batch (one transaction, one wait for the broker's confirms). */
    @IsInt({ message: 'must be an integer from 1 to 1000' })
    @Min(1, { message: 'must be an integer from 1 to 1000' })
    @Max(1000, { message: 'must be an integer from 1 to 1000' })
    OUTBOX_BATCH_SIZE: number = 100;

    /**
     * 0: an outbox row is deleted once RabbitMQ confirmed its event (the cheapest for Postgres).
     * Above 0: published rows are kept this long (for inspection), then deleted.
     */
    @IsInt({ message: 'must be an integer from 0 to 8760 (hours)' })
    @Min(0, { message: 'must be an integer from 0 to 8760 (hours)' })
    @Max(8760, { message: 'must be an integer from 0 to 8760 (hours)' })
    OUTBOX_RETENTION_HOURS: number = 0;

    /**
     * The relay vacuums its outbox after this many rows were published (0: leave it to
     * autovacuum): published rows leave dead row versions that slow down every claim until a
     * vacuum removes them.
     */
    @IsInt({ message: 'must be an integer from 0 to 10000000 (rows)' })
    @Min(0, { message: 'must be an integer from 0 to 10000000 (rows)' })
    @Max(10_000_000, { message: 'must be an integer from 0 to 10000000 (rows)' })
    OUTBOX_VACUUM_EVERY_ROWS: number = 2_000;

    /** Back-off of a failing handler: one delay per retry; after the last, the dead-letter queue. */
    @Matches(DELAY_LIST, {
      message: 'must be a comma-separated list of positive integers (milliseconds)',
    })
    CONSUMER_RETRY_DELAYS_MS: string = DEFAULT_RETRY_DELAYS_MS;

    /**
     * Handled events' inbox rows are deleted after this many days (0 keeps them). An event
     * redelivered after its row is gone would be handled again: see the check against the retry
     * schedule.
     */
    @IsInt({ message: 'must be an integer from 0 to 3650 (days)' })
    @Min(0, { message: 'must be an integer from 0 to 3650 (days)' })
    @Max(3650, { message: 'must be an integer from 0 to 3650 (days)' })
    @Validate(InboxRetentionCoversRetries)
    INBOX_RETENTION_DAYS: number = 30;

    /** How often the inbox retention job runs. */
    @IsInt({ message: 'must be an integer from 1 to 10080 (minutes)' })
    @Min(1, { message: 'must be an integer from 1 to 10080 (minutes)' })
    @Max(10_080, { message: 'must be an integer from 1 to 10080 (minutes)' })
    INBOX_PRUNE_INTERVAL_MINUTES: number = 60;

    /** The topic exchange of AJLA's events; tests use one of their own. */
    @Matches(/^[\w.:-]{1,255}$/, {
      message: 'must be an exchange name (letters, digits, . _ : -)',
    })
    EVENTS_EXCHANGE: string = EVENTS_EXCHANGE;
  }
  return WithMessagingConfig;
}

export class MessagingConfig extends withMessagingConfig(class {}) {}

/** `CONSUMER_RETRY_DELAYS_MS` as numbers: `"1000, 5000"` → `[1000, 5000]`. */
export function parseRetryDelays(text: string): number[] {
  if (!DELAY_LIST.test(text)) {
    throw new Error(`Invalid retry delays "${text}": use positive integers separated by commas`);
  }
  return text.split(',').map((part) => Number(part.trim()));
}
