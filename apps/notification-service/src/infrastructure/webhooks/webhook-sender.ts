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
  DueRowsWorker,
  errorText,
  type Lease,
  outcomeCounter,
  type RowOutcome,
} from '../jobs/due-rows-worker';
import { NOTIFICATIONS_SCHEMA } from '../persistence/entities';
import { WebhookHealth } from './webhook-health';
import { postWebhook } from './webhook-post';
import { WebhookSecretVault } from './webhook-secret-vault';
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
  /**
   * The current secret first, then those a rotation replaced that are still in their overlap,
   * as stored: encrypted, opened only to sign.
   */
  secrets: string[];
  /** Its attempt, recorded with the rest of the batch (`finish`). */
  attempt?: WebhookAttempt;
}

/** An attempt that did not succeed, with what it recorded. */
class FailedAttempt extends Error {
  constructor(readonly attempt: WebhookAttempt) {
    super(attempt.error ?? 'failed');
  }
}

/**
 * Sends the webhook deliveries: every WEBHOOK_POLL_INTERVAL_MS it claims the due ones of webhooks
 * that are on, 20 at a time, with a lease (`DueRowsWorker`: replicas share the work, never send
 * one delivery twice at once, and no row lock nor transaction is held during the POSTs), POSTs
 * each, signed with the webhook's secrets, and records the attempts in one short transaction.
 * A 2xx succeeds it; anything else (another status, a redirect, a timeout, a refused address) is
 * retried after the next delay of WEBHOOK_RETRY_DELAYS_MS, and once they are used up the delivery
 * is failed. A crash after the receiver answered but before the finish sends it again with the
 * same id once its lease has expired (at least once: receivers dedupe on `X-Ajla-Delivery`). After each batch, in the
 * finish's transaction, `WebhookHealth` keeps each webhook's failure streak and turns off one that has
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
    private readonly vault: WebhookSecretVault,
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
      // The POSTs of a batch run side by side, each within WEBHOOK_TIMEOUT_MS.
      batchTimeoutMs: config.WEBHOOK_TIMEOUT_MS,
      claim: (manager, limit, lease) => this.claim(manager, limit, lease),
      run: (row) => this.deliver(row),
      finish: (manager, token, outcomes) => this.finish(manager, token, outcomes),
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

  /** The due deliveries of webhooks that are on, and those whose lease expired, claimed. */
  private claim(manager: EntityManager, limit: number, lease: Lease): Promise<DueDelivery[]> {
    return manager.query(
      `WITH expired AS MATERIALIZED (
         SELECT d.id, d.due_at FROM ${s}.webhook_deliveries d
          WHERE d.status = 'sending' AND d.claimed_until < now()
          ORDER BY d.claimed_until
          LIMIT ${limit}
            FOR UPDATE SKIP LOCKED
       ), due AS MATERIALIZED (
         SELECT d.id, d.due_at FROM ${s}.webhook_deliveries d
           JOIN ${s}.webhook_subscriptions w ON w.id = d.subscription_id
          WHERE d.status = 'pending' AND d.due_at <= now() AND w.active
          ORDER BY d.due_at
          LIMIT ${limit}
            FOR UPDATE OF d SKIP LOCKED
       ), picked AS MATERIALIZED (
         SELECT id FROM (SELECT * FROM expired UNION ALL SELECT * FROM due) AS both_kinds
          ORDER BY due_at
          LIMIT ${limit}
       ), claimed AS (
         UPDATE ${s}.webhook_deliveries d
            SET status = 'sending', claim_token = $1,
                claimed_until = now() + make_interval(secs => $2::float8 / 1000)
           FROM picked
          WHERE d.id = picked.id
          RETURNING d.*
       )
       SELECT d.id, d.subscription_id, d.event_type, d.envelope::text AS body, d.attempts, w.url,
              array_prepend(w.secret, ARRAY(
                SELECT p.secret FROM ${s}.webhook_previous_secrets p
                 WHERE p.subscription_id = w.id AND p.expires_at > now()
                 ORDER BY p.created_at DESC)) AS secrets
         FROM claimed d
         JOIN ${s}.webhook_subscriptions w ON w.id = d.subscription_id
        ORDER BY d.due_at`,
      [lease.token, lease.ms],
    );
  }

  /** POSTs one delivery (`finish` records it); throws a `FailedAttempt` when it failed. */
  private async deliver(row: DueDelivery): Promise<void> {
    const started = Date.now();
    const attempt: WebhookAttempt = {
      at: new Date(started).toISOString(),
      status_code: null,
      latency_ms: 0,
      error: null,
      response: null,
    };
    try {
      // Decrypted here only, for this request; a secret that cannot be is a failed attempt.
      const secrets = row.secrets.map((stored) => this.vault.reveal(stored, row.subscription_id));
      const answer = await postWebhook({
        url: row.url,
        headers: signedHeaders({
          deliveryId: row.id,
          eventType: row.event_type,
          secrets,
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
    row.attempt = attempt;
  }

  /**
   * The batch's attempts in one statement, on the deliveries still claimed by `token`: succeeded,
   * due again after the next delay, or failed once none is left.
   */
  private async finish(
    manager: EntityManager,
    token: string,
    outcomes: RowOutcome<DueDelivery>[],
  ): Promise<string[]> {
    const recorded = outcomes.map(({ row, failure }) => {
      if (failure === undefined) return { row, attempt: row.attempt!, status: 'succeeded' };
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
      const status = failure.retryInMs === undefined ? 'failed' : 'pending';
      return { row, attempt, status, delayMs: failure.retryInMs };
    });
    // TypeORM answers an UPDATE with [rows, count].
    const [finished]: [{ id: string }[], number] = await manager.query(
      `UPDATE ${s}.webhook_deliveries d
          SET status = o.status, attempts = d.attempts + 1,
              attempt_log = d.attempt_log || jsonb_build_array(o.attempt),
              last_attempt_at = (o.attempt ->> 'at')::timestamptz, last_error = o.attempt ->> 'error',
              due_at = CASE WHEN o.delay_ms IS NULL THEN d.due_at
                            ELSE now() + make_interval(secs => o.delay_ms / 1000) END,
              claim_token = NULL, claimed_until = NULL
         FROM unnest($2::uuid[], $3::text[], $4::jsonb[], $5::float8[])
              AS o (id, status, attempt, delay_ms)
        WHERE d.id = o.id AND d.claim_token = $1
        RETURNING d.id`,
      [
        token,
        recorded.map(({ row }) => row.id),
        recorded.map(({ status }) => status),
        recorded.map(({ attempt }) => JSON.stringify(attempt)),
        recorded.map(({ delayMs }) => delayMs ?? null),
      ],
    );
    const counted = new Set(finished.map(({ id }) => id));
    for (const { row, status } of recorded) {
      if (!counted.has(row.id)) continue;
      this.outcomes?.inc({
        outcome: status === 'pending' ? 'retried' : status === 'failed' ? 'failed' : 'succeeded',
      });
    }
    return [...counted];
  }
}
