import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { parseRetryDelays } from '@ajla/messaging';
import { METRICS_REGISTRY, PeriodicJob } from '@ajla/platform';
import { Counter, type Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { NotificationServiceConfig } from '../../config/notification-service.config';
import { NOTIFICATIONS_SCHEMA } from '../persistence/entities';
import { nextDelayMs } from './webhook-events';
import { postWebhook } from './webhook-post';
import { signedHeaders } from './webhook-signature';
import type { WebhookAttempt } from './webhook-subscriptions';

/** Deliveries claimed per transaction. */
const BATCH = 20;
/** The longest error text kept on an attempt. */
const ERROR_LENGTH = 500;

const s = NOTIFICATIONS_SCHEMA;

interface DueDelivery {
  id: string;
  event_type: string;
  /** The envelope as stored (jsonb, so its text is Postgres's: what is sent and signed). */
  body: string;
  attempts: number;
  url: string;
  secret: string;
}

/**
 * Sends the webhook deliveries: every WEBHOOK_POLL_INTERVAL_MS it claims the due ones
 * (`FOR UPDATE SKIP LOCKED`: replicas share the work, never send one delivery twice at once),
 * POSTs each, signed, and records the attempt. A 2xx succeeds it; anything else (another status,
 * a redirect, a timeout, a refused address) is retried after the next delay of
 * WEBHOOK_RETRY_DELAYS_MS, and once they are used up the delivery is failed. A crash after the
 * receiver answered but before the commit sends it again with the same id (at least once:
 * receivers dedupe on `X-Ajla-Delivery`).
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookSender');
  private readonly retryDelaysMs: number[];
  private readonly job: PeriodicJob;
  /** Attempts by outcome: succeeded, retried (a failed attempt with a retry left), failed (the last). */
  private readonly outcomes?: Counter<'outcome'>;

  constructor(
    private readonly config: NotificationServiceConfig,
    private readonly dataSource: DataSource,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    if (registry) {
      this.outcomes =
        (registry.getSingleMetric('ajla_webhook_attempts_total') as
          Counter<'outcome'> | undefined) ??
        new Counter({
          name: 'ajla_webhook_attempts_total',
          help: 'Webhook delivery attempts, by outcome (succeeded, retried, failed: no retry left)',
          labelNames: ['outcome'],
          registers: [registry],
        });
    }
    this.retryDelaysMs = parseRetryDelays(config.WEBHOOK_RETRY_DELAYS_MS);
    this.job = new PeriodicJob({
      name: 'Webhook sender',
      intervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
      logger: this.logger,
      run: () => this.sendDue(),
    });
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** Sends every delivery that is due now, batch by batch. */
  async sendDue(): Promise<void> {
    for (;;) {
      const claimed = await this.dataSource.transaction(async (manager) => {
        const rows: DueDelivery[] = await manager.query(
          `SELECT d.id, d.event_type, d.envelope::text AS body, d.attempts, w.url, w.secret
             FROM ${s}.webhook_deliveries d
             JOIN ${s}.webhook_subscriptions w ON w.id = d.subscription_id
            WHERE d.status = 'pending' AND d.due_at <= now() AND w.active
            ORDER BY d.due_at
            LIMIT ${BATCH}
              FOR UPDATE OF d SKIP LOCKED`,
        );
        // Side by side: one slow receiver delays its batch, not each delivery in turn.
        await Promise.all(rows.map((row) => this.deliver(manager, row)));
        return rows.length;
      });
      if (claimed < BATCH) return;
    }
  }

  private async deliver(manager: EntityManager, row: DueDelivery): Promise<void> {
    const started = Date.now();
    const attempt: WebhookAttempt = {
      at: new Date(started).toISOString(),
      status_code: null,
      latency_ms: 0,
      error: null,
      response: null,
    };
    try {
      const answer = await postWebhook({
        url: row.url,
        headers: signedHeaders({
          deliveryId: row.id,
          eventType: row.event_type,
          secret: row.secret,
          body: row.body,
          timestampSeconds: Math.floor(started / 1000),
        }),
        body: row.body,
        timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
        allowPrivate: this.config.WEBHOOK_ALLOW_PRIVATE,
      });
      attempt.status_code = answer.statusCode;
      attempt.response = answer.snippet;
      if (answer.statusCode < 200 || answer.statusCode > 299) {
        attempt.error = `answered ${answer.statusCode}`;
      }
    } catch (error) {
      attempt.error = (error instanceof Error ? error.message : String(error)).slice(
        0,
        ERROR_LENGTH,
      );
    }
    attempt.latency_ms = Date.now() - started;
    const attempts = row.attempts + 1;
    if (attempt.error === null) {
      await this.record(manager, row.id, attempt, attempts, 'succeeded', null);
      this.outcomes?.inc({ outcome: 'succeeded' });
      return;
    }
    const delayMs = nextDelayMs(this.retryDelaysMs, attempts);
    await this.record(
      manager,
      row.id,
      attempt,
      attempts,
      delayMs === undefined ? 'failed' : 'pending',
      delayMs ?? null,
    );
    this.outcomes?.inc({ outcome: delayMs === undefined ? 'failed' : 'retried' });
    // The URL may carry a token in its path or query: only the delivery id is logged.
    this.logger.warn(
      `Webhook delivery ${row.id} attempt ${attempts} failed: ${attempt.error}; ` +
        (delayMs === undefined ? 'no retry left' : `next try in ${delayMs} ms`),
    );
  }

  private async record(
    manager: EntityManager,
    id: string,
    attempt: WebhookAttempt,
    attempts: number,
    status: 'pending' | 'succeeded' | 'failed',
    delayMs: number | null,
  ): Promise<void> {
    await manager.query(
      `UPDATE ${s}.webhook_deliveries
          SET status = $2, attempts = $3, attempt_log = attempt_log || jsonb_build_array($4::jsonb),
              last_attempt_at = $5, last_error = $6,
              due_at = CASE WHEN $7::float8 IS NULL THEN due_at
                            ELSE now() + make_interval(secs => $7::float8 / 1000) END
        WHERE id = $1`,
      [id, status, attempts, JSON.stringify(attempt), attempt.at, attempt.error, delayMs],
    );
  }
}
