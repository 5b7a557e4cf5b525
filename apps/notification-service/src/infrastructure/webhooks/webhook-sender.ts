import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { parseRetryDelays } from '@ajla/messaging';
import { METRICS_REGISTRY } from '@ajla/platform';
import type { Counter, Registry } from 'prom-client';
import { DataSource, type EntityManager } from 'typeorm';
import { NotificationServiceConfig } from '../../config/notification-service.config';
import {
  type AttemptFailure,
  DueRowsWorker,
  errorText,
  outcomeCounter,
  type RowQueries,
} from '../jobs/due-rows-worker';
import { NOTIFICATIONS_SCHEMA } from '../persistence/entities';
import { WebhookHealth } from './webhook-health';
import { postWebhook } from './webhook-post';
import { signedHeaders } from './webhook-signature';
import type { WebhookAttempt } from './webhook-subscriptions';

const s = NOTIFICATIONS_SCHEMA;

interface DueDelivery {
  id: string;
  subscription_id: string;
  event_type: string;
  /** The envelope as stored (jsonb, so its text is Postgres's: what is sent and signed). */
  body: string;
  attempts: number;
  url: string;
  /** The current secret first, then those a rotation replaced that are still in their overlap. */
  secrets: string[];
}

/** An attempt that did not succeed, with what it recorded. */
class FailedAttempt extends Error {
  constructor(readonly attempt: WebhookAttempt) {
    super(attempt.error ?? 'failed');
  }
}

/**
 * Sends the webhook deliveries: every WEBHOOK_POLL_INTERVAL_MS it claims the due ones of webhooks
 * that are on, 20 per transaction (`DueRowsWorker`: replicas share the work, never send one
 * delivery twice at once), POSTs each, signed with the webhook's secrets, and records the attempt.
 * A 2xx succeeds it; anything else (another status, a redirect, a timeout, a refused address) is
 * retried after the next delay of WEBHOOK_RETRY_DELAYS_MS, and once they are used up the delivery
 * is failed. A crash after the receiver answered but before the commit sends it again with the
 * same id (at least once: receivers dedupe on `X-Ajla-Delivery`). After each batch, in its
 * transaction, `WebhookHealth` keeps each webhook's failure streak and turns off one that has
 * failed for too long.
 */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WebhookSender');
  private readonly worker: DueRowsWorker<DueDelivery>;
  /** Attempts by outcome: succeeded, retried (a failed attempt with a retry left), failed (the last). */
  private readonly outcomes?: Counter<'outcome'>;

  constructor(
    private readonly config: NotificationServiceConfig,
    dataSource: DataSource,
    health: WebhookHealth,
    @Optional() @Inject(METRICS_REGISTRY) registry?: Registry,
  ) {
    this.outcomes = outcomeCounter(
      registry,
      'ajla_webhook_attempts_total',
      'Webhook delivery attempts, by outcome (succeeded, retried, failed: no retry left)',
    );
    this.worker = new DueRowsWorker<DueDelivery>({
      name: 'Webhook sender',
      rowName: 'Webhook delivery',
      intervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
      dataSource,
      logger: this.logger,
      retryDelaysMs: parseRetryDelays(config.WEBHOOK_RETRY_DELAYS_MS),
      whenDelaysRunOut: 'give up',
      claim: (manager, limit) => this.claim(manager, limit),
      run: (queries, row) => this.deliver(queries, row),
      recordFailure: (queries, row, failure) => this.recordFailure(queries, row, failure),
      afterBatch: (manager, outcomes) =>
        health.record(
          manager,
          outcomes.map(({ row, failed, at }) => ({
            subscriptionId: row.subscription_id,
            failed,
            at,
          })),
        ),
    });
  }

  onApplicationBootstrap(): void {
    this.worker.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
  }

  private claim(manager: EntityManager, limit: number): Promise<DueDelivery[]> {
    return manager.query(
      `SELECT d.id, d.subscription_id, d.event_type, d.envelope::text AS body, d.attempts, w.url,
              array_prepend(w.secret, ARRAY(
                SELECT p.secret FROM ${s}.webhook_previous_secrets p
                 WHERE p.subscription_id = w.id AND p.expires_at > now()
                 ORDER BY p.created_at DESC)) AS secrets
         FROM ${s}.webhook_deliveries d
         JOIN ${s}.webhook_subscriptions w ON w.id = d.subscription_id
        WHERE d.status = 'pending' AND d.due_at <= now() AND w.active
        ORDER BY d.due_at
        LIMIT ${limit}
          FOR UPDATE OF d SKIP LOCKED`,
    );
  }

  /** POSTs one delivery and records its success; throws a `FailedAttempt` otherwise. */
  private async deliver(queries: RowQueries, row: DueDelivery): Promise<void> {
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
          secrets: row.secrets,
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
      attempt.error = errorText(error);
    }
    attempt.latency_ms = Date.now() - started;
    if (attempt.error !== null) throw new FailedAttempt(attempt);
    await this.record(queries, row.id, attempt, row.attempts + 1, 'succeeded', null);
    this.outcomes?.inc({ outcome: 'succeeded' });
  }

  private async recordFailure(
    queries: RowQueries,
    row: DueDelivery,
    failure: AttemptFailure,
  ): Promise<void> {
    const attempt =
      failure.error instanceof FailedAttempt
        ? failure.error.attempt
        : {
            at: new Date().toISOString(),
            status_code: null,
            latency_ms: 0,
            error: failure.message,
            response: null,
          };
    const last = failure.retryInMs === undefined;
    await this.record(
      queries,
      row.id,
      attempt,
      failure.attempts,
      last ? 'failed' : 'pending',
      failure.retryInMs ?? null,
    );
    this.outcomes?.inc({ outcome: last ? 'failed' : 'retried' });
  }

  private async record(
    queries: RowQueries,
    id: string,
    attempt: WebhookAttempt,
    attempts: number,
    status: 'pending' | 'succeeded' | 'failed',
    delayMs: number | null,
  ): Promise<void> {
    await queries.query(
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
