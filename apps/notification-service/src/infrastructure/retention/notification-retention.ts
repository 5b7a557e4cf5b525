import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PeriodicJob } from '@ajla/platform';
import { DataSource } from 'typeorm';
import { NotificationServiceConfig } from '../../config/notification-service.config';
import { NOTIFICATIONS_SCHEMA } from '../persistence/entities';

const s = NOTIFICATIONS_SCHEMA;

/** Rows per delete: short statements that never hold many locks. */
export const RETENTION_BATCH = 1_000;

/** How often the retention job runs; the first run comes a minute after start. */
const RETENTION_INTERVAL_MS = 60 * 60_000;

/**
 * Deletes, `RETENTION_BATCH` rows per statement, the rows `select` picks (a query of `id`s with
 * `LIMIT` and `FOR UPDATE SKIP LOCKED`, so replicas pruning together never wait for or delete the
 * same row). Resolves to the number of rows deleted.
 */
async function pruneInBatches(
  dataSource: DataSource,
  table: string,
  key: string,
  select: string,
  parameters: unknown[],
): Promise<number> {
  let total = 0;
  for (;;) {
    const [, deleted] = (await dataSource.query(
      `DELETE FROM ${s}.${table} WHERE ${key} IN (${select} LIMIT ${RETENTION_BATCH} FOR UPDATE SKIP LOCKED)`,
      parameters,
    )) as [unknown, number];
    total += deleted;
    if (deleted < RETENTION_BATCH) return total;
  }
}

/**
 * Mails settled (sent or skipped) more than `days` ago; pending and sending ones stay whatever their age (a
 * mail is never dropped). 0 keeps them all.
 */
export function pruneMailOutbox(dataSource: DataSource, days: number): Promise<number> {
  if (!(days > 0)) return Promise.resolve(0);
  return pruneInBatches(
    dataSource,
    'mail_outbox',
    'id',
    `SELECT id FROM ${s}.mail_outbox
      WHERE status <> 'pending' AND status <> 'sending'
        AND coalesce(sent_at, due_at) < now() - make_interval(days => $1)
      ORDER BY coalesce(sent_at, due_at)`,
    [days],
  );
}

/**
 * Webhook deliveries finished (succeeded or failed) more than `days` ago, with their attempt
 * logs; pending and sending ones stay. 0 keeps them all.
 */
export function pruneWebhookDeliveries(dataSource: DataSource, days: number): Promise<number> {
  if (!(days > 0)) return Promise.resolve(0);
  return pruneInBatches(
    dataSource,
    'webhook_deliveries',
    'id',
    `SELECT id FROM ${s}.webhook_deliveries
      WHERE status <> 'pending' AND status <> 'sending'
        AND coalesce(last_attempt_at, created_at) < now() - make_interval(days => $1)
      ORDER BY coalesce(last_attempt_at, created_at)`,
    [days],
  );
}

/** Replaced webhook secrets whose overlap is over: they sign nothing any more. */
export function pruneExpiredSecrets(dataSource: DataSource): Promise<number> {
  return pruneInBatches(
    dataSource,
    'webhook_previous_secrets',
    'ctid',
    `SELECT ctid FROM ${s}.webhook_previous_secrets WHERE expires_at <= now()`,
    [],
  );
}

/**
 * The service's retention job (`PeriodicJob`, hourly, each replica on its own: the deletes are
 * safe together): sent and skipped mail older than MAIL_RETENTION_DAYS, finished webhook
 * deliveries older than WEBHOOK_DELIVERY_RETENTION_DAYS, and expired previous secrets. Its
 * inbox is pruned by `@ajla/messaging` (INBOX_RETENTION_DAYS); notifications are the users' own
 * and are kept.
 */
@Injectable()
export class NotificationRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NotificationRetention');
  private readonly job: PeriodicJob;

  constructor(
    private readonly config: NotificationServiceConfig,
    private readonly dataSource: DataSource,
  ) {
    this.job = new PeriodicJob({
      name: 'Notification retention',
      intervalMs: RETENTION_INTERVAL_MS,
      firstRunAfterMs: 60_000,
      logger: this.logger,
      run: async () => {
        const { mails, deliveries, secrets } = await this.prune();
        if (mails + deliveries + secrets > 0) {
          this.logger.log(
            `Pruned ${mails} mails, ${deliveries} webhook deliveries, ${secrets} expired webhook secrets`,
          );
        }
      },
    });
  }

  /** One run: what the job does every hour. */
  async prune(): Promise<{ mails: number; deliveries: number; secrets: number }> {
    const mails = await pruneMailOutbox(this.dataSource, this.config.MAIL_RETENTION_DAYS);
    const deliveries = await pruneWebhookDeliveries(
      this.dataSource,
      this.config.WEBHOOK_DELIVERY_RETENTION_DAYS,
    );
    const secrets = await pruneExpiredSecrets(this.dataSource);
    return { mails, deliveries, secrets };
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }
}
