import { Injectable } from '@nestjs/common';
import type { PageRequest, Paged } from '@ajla/platform';
import { ConflictError, isId, newId, NotFoundError, ValidationError } from '@ajla/shared-kernel';
import { DataSource, type EntityManager } from 'typeorm';
import { NOTIFICATIONS_SCHEMA } from '../persistence/entities';
import { WebhookSecretVault } from './webhook-secret-vault';
import { newWebhookSecret } from './webhook-signature';

const s = NOTIFICATIONS_SCHEMA;

/** The longest URL a webhook may have. */
export const WEBHOOK_URL_MAX = 2048;

export interface WebhookSubscription {
  id: string;
  url: string;
  events: string[];
  /** Only when just created: the secret is shown once. */
  secret?: string;
  active: boolean;
  createdAt: Date;
  /** When and why it was turned off (by an admin, or after failing too long); null while on. */
  disabledAt: Date | null;
  disabledReason: string | null;
}

/** One try of a delivery, as `webhook_deliveries.attempt_log` keeps it. */
export interface WebhookAttempt {
  at: string;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response: string | null;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: WebhookAttempt[];
  nextAttemptAt: Date | null;
  createdAt: Date;
}

/** Why a URL cannot be a webhook's, or undefined when it can. */
export function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'url must be an absolute http:// or https:// URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return 'url must be an absolute http:// or https:// URL';
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return 'url must not carry credentials';
  }
  return undefined;
}

/** The columns of a subscription that the API shows. */
const SUBSCRIPTION_COLUMNS = 'id, url, events, active, created_at, disabled_at, disabled_reason';
/** The columns of a delivery that the API shows. */
const DELIVERY_COLUMNS = 'id, event_id, event_type, status, attempt_log, due_at, created_at';

/** The type of the event `POST .../test` sends. */
export const WEBHOOK_TEST_EVENT = 'webhook.test';

/** Why a webhook an admin turned off is off. */
const TURNED_OFF_BY_ADMIN = 'turned off by an admin';

/**
 * Stops a webhook's pending deliveries (it was turned off): each becomes failed with `reason`,
 * and may be redelivered once the webhook is on again. One being sent at this moment (locked by
 * a sender) is skipped rather than waited for: it stays pending, and the sender sends nothing to
 * a webhook that is off.
 */
export async function stopPendingDeliveries(
  manager: EntityManager,
  subscriptionId: string,
  reason: string,
): Promise<void> {
  await manager.query(
    `UPDATE ${s}.webhook_deliveries
        SET status = 'failed', last_error = $2, claim_token = NULL, claimed_until = NULL
      WHERE id IN (SELECT id FROM ${s}.webhook_deliveries
                    WHERE subscription_id = $1 AND status IN ('pending', 'sending')
                      FOR UPDATE SKIP LOCKED)`,
    [subscriptionId, reason],
  );
}

/** The admins' webhook subscriptions and their deliveries (`notifications.webhook_*`). */
@Injectable()
export class WebhookSubscriptions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly vault: WebhookSecretVault,
  ) {}

  /** A new webhook; its secret is returned this once, and stored only encrypted. */
  async create(input: { url: string; events: string[]; createdBy: string }) {
    const problem = urlProblem(input.url);
    if (problem) throw new ValidationError(problem);
    const id = newId();
    const secret = newWebhookSecret();
    const [row]: SubscriptionRow[] = await this.dataSource.query(
      `INSERT INTO ${s}.webhook_subscriptions (id, url, events, secret, active, created_at, created_by)
       VALUES ($1, $2, $3, $4, true, now(), $5)
       RETURNING ${SUBSCRIPTION_COLUMNS}`,
      [id, input.url, [...new Set(input.events)], this.vault.seal(secret, id), input.createdBy],
    );
    return { ...toSubscription(row), secret };
  }

  async list(page: PageRequest): Promise<Paged<WebhookSubscription>> {
    const rows: SubscriptionRow[] = await this.dataSource.query(
      `SELECT ${SUBSCRIPTION_COLUMNS}
         FROM ${s}.webhook_subscriptions
        ORDER BY created_at DESC, id DESC
        LIMIT $1 OFFSET $2`,
      [page.pageSize, (page.page - 1) * page.pageSize],
    );
    const total = await this.count(`SELECT count(*) AS n FROM ${s}.webhook_subscriptions`);
    return { ...page, items: rows.map(toSubscription), total };
  }

  /**
   * Changes a webhook's URL, events or whether it is on. Turning it off stops its pending
   * deliveries; turning it on again forgets its failures (the streak that may turn it off starts
   * anew).
   */
  async update(
    id: string,
    change: { url?: string; events?: string[]; active?: boolean },
  ): Promise<WebhookSubscription> {
    if (change.url !== undefined) {
      const problem = urlProblem(change.url);
      if (problem) throw new ValidationError(problem);
    }
    if (!isId(id)) throw new NotFoundError('no such webhook');
    return this.dataSource.transaction(async (manager) => {
      // NO KEY UPDATE: a consumer queueing a delivery for it (a key share) does not wait.
      const [current]: { active: boolean }[] = await manager.query(
        `SELECT active FROM ${s}.webhook_subscriptions WHERE id = $1 FOR NO KEY UPDATE`,
        [id],
      );
      if (current === undefined) throw new NotFoundError('no such webhook');
      const turnedOn = change.active === true && !current.active;
      const turnedOff = change.active === false && current.active;
      // An UPDATE answers [rows, count] (TypeORM).
      const [[row]]: [SubscriptionRow[], number] = await manager.query(
        `UPDATE ${s}.webhook_subscriptions
            SET url = coalesce($2, url),
                events = coalesce($3, events),
                active = coalesce($4, active),
                failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
                disabled_at = CASE WHEN $5 THEN NULL WHEN $6 THEN now() ELSE disabled_at END,
                disabled_reason = CASE WHEN $5 THEN NULL WHEN $6 THEN $7 ELSE disabled_reason END
          WHERE id = $1
          RETURNING ${SUBSCRIPTION_COLUMNS}`,
        [
          id,
          change.url ?? null,
          change.events === undefined ? null : [...new Set(change.events)],
          change.active ?? null,
          turnedOn,
          turnedOff,
          TURNED_OFF_BY_ADMIN,
        ],
      );
      if (turnedOff) await stopPendingDeliveries(manager, id, `webhook ${TURNED_OFF_BY_ADMIN}`);
      return toSubscription(row);
    });
  }

  /**
   * Gives a webhook a new secret, returned this once. The old one signs every request too for
   * `overlapMs` (0: not at all), so receivers can switch without missing one; it is kept as the
   * current one is, and dropped once expired. Older secrets still in an overlap keep signing no
   * longer than this one. Secrets are moved and stored encrypted (bound to this webhook).
   */
  async rotateSecret(
    id: string,
    overlapMs: number,
  ): Promise<{ secret: string; previousSecretExpiresAt: Date | null }> {
    if (!isId(id)) throw new NotFoundError('no such webhook');
    return this.dataSource.transaction(async (manager) => {
      const [current]: { secret: string }[] = await manager.query(
        `SELECT secret FROM ${s}.webhook_subscriptions WHERE id = $1 FOR NO KEY UPDATE`,
        [id],
      );
      if (current === undefined) throw new NotFoundError('no such webhook');
      // The overlap asked for now holds for every older secret too (0: a leaked secret stops
      // signing at once); expired ones are dropped.
      await manager.query(
        `UPDATE ${s}.webhook_previous_secrets
            SET expires_at = least(expires_at, now() + make_interval(secs => $2::float8 / 1000))
          WHERE subscription_id = $1`,
        [id, overlapMs],
      );
      await manager.query(
        `DELETE FROM ${s}.webhook_previous_secrets WHERE subscription_id = $1 AND expires_at <= now()`,
        [id],
      );
      let previousSecretExpiresAt: Date | null = null;
      if (overlapMs > 0) {
        const [kept]: { expires_at: Date }[] = await manager.query(
          `INSERT INTO ${s}.webhook_previous_secrets (subscription_id, secret, expires_at, created_at)
           VALUES ($1, $2, now() + make_interval(secs => $3::float8 / 1000), now())
           RETURNING expires_at`,
          [id, current.secret, overlapMs],
        );
        previousSecretExpiresAt = kept.expires_at;
      }
      const secret = newWebhookSecret();
      await manager.query(`UPDATE ${s}.webhook_subscriptions SET secret = $2 WHERE id = $1`, [
        id,
        this.vault.seal(secret, id),
      ]);
      return { secret, previousSecretExpiresAt };
    });
  }

  /**
   * Deletes a subscription and its deliveries: nothing more is sent to it. The deliveries go
   * first, on their own: one a sender is finishing is waited for before the subscription is
   * locked, so that sender (which updates the subscription after its deliveries) never waits for
   * this while this waits for it.
   */
  async delete(id: string): Promise<void> {
    if (!isId(id)) throw new NotFoundError('no such webhook');
    await this.dataSource.query(`DELETE FROM ${s}.webhook_deliveries WHERE subscription_id = $1`, [
      id,
    ]);
    const [deleted]: unknown[][] = await this.dataSource.query(
      `DELETE FROM ${s}.webhook_subscriptions WHERE id = $1 RETURNING id`,
      [id],
    );
    if (deleted.length === 0) throw new NotFoundError('no such webhook');
  }

  /** A subscription's deliveries, newest first, each with its attempts. */
  async deliveries(id: string, page: PageRequest): Promise<Paged<WebhookDelivery>> {
    await this.subscriptionOf(this.dataSource.manager, id);
    const rows: DeliveryRow[] = await this.dataSource.query(
      `SELECT ${DELIVERY_COLUMNS}
         FROM ${s}.webhook_deliveries
        WHERE subscription_id = $1
        ORDER BY created_at DESC, id DESC
        LIMIT $2 OFFSET $3`,
      [id, page.pageSize, (page.page - 1) * page.pageSize],
    );
    const total = await this.count(
      `SELECT count(*) AS n FROM ${s}.webhook_deliveries WHERE subscription_id = $1`,
      [id],
    );
    return { ...page, items: rows.map(toDelivery), total };
  }

  /**
   * Sends a finished delivery (succeeded or failed) again now, with the same id (receivers dedupe
   * on it) and a fresh schedule of retries; its earlier attempts stay listed. 404 when it is not
   * one of this webhook's; 409 while it is pending, or while the webhook is off.
   */
  async redeliver(id: string, deliveryId: string): Promise<WebhookDelivery> {
    if (!isId(deliveryId)) throw new NotFoundError('no such delivery');
    return this.dataSource.transaction(async (manager) => {
      const active = await this.subscriptionOf(manager, id);
      // SKIP LOCKED: one a sender holds is being attempted, so it is pending anyway.
      const [claimed]: { status: DeliveryRow['status'] }[] = await manager.query(
        `SELECT status FROM ${s}.webhook_deliveries
          WHERE id = $1 AND subscription_id = $2
            FOR NO KEY UPDATE SKIP LOCKED`,
        [deliveryId, id],
      );
      if (claimed === undefined) {
        const [exists]: unknown[] = await manager.query(
          `SELECT 1 FROM ${s}.webhook_deliveries WHERE id = $1 AND subscription_id = $2`,
          [deliveryId, id],
        );
        if (exists === undefined) throw new NotFoundError('no such delivery');
      }
      if (claimed === undefined || claimed.status === 'pending' || claimed.status === 'sending') {
        throw new ConflictError('the delivery is still pending', 'delivery_pending');
      }
      if (!active) {
        throw new ConflictError('the webhook is turned off: turn it on first', 'webhook_inactive');
      }
      const [[row]]: [DeliveryRow[], number] = await manager.query(
        `UPDATE ${s}.webhook_deliveries
            SET status = 'pending', attempts = 0, due_at = now(), last_error = NULL
          WHERE id = $1
          RETURNING ${DELIVERY_COLUMNS}`,
        [deliveryId],
      );
      return toDelivery(row);
    });
  }

  /**
   * Queues a `webhook.test` event for the webhook, delivered like any other (signed, logged,
   * retried). 409 while the webhook is off.
   */
  async sendTest(id: string, correlationId: string | null): Promise<WebhookDelivery> {
    const active = await this.subscriptionOf(this.dataSource.manager, id);
    if (!active) {
      throw new ConflictError('the webhook is turned off: turn it on first', 'webhook_inactive');
    }
    const envelope = {
      id: newId(),
      type: WEBHOOK_TEST_EVENT,
      version: 1,
      occurred_at: new Date().toISOString(),
      producer: 'notification-service',
      correlation_id: correlationId,
      data: { webhook_id: id, message: 'A test event from AJLA: this webhook is reachable.' },
    };
    const [row]: DeliveryRow[] = await this.dataSource.query(
      `INSERT INTO ${s}.webhook_deliveries
              (id, subscription_id, event_id, event_type, envelope, due_at, created_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, now(), now())
       RETURNING ${DELIVERY_COLUMNS}`,
      [newId(), id, envelope.id, WEBHOOK_TEST_EVENT, JSON.stringify(envelope)],
    );
    return toDelivery(row);
  }

  /** Whether the webhook is on; 404 when there is no such webhook (or `id` is no UUID). */
  private async subscriptionOf(manager: EntityManager, id: string): Promise<boolean> {
    const [row]: { active: boolean }[] = isId(id)
      ? await manager.query(`SELECT active FROM ${s}.webhook_subscriptions WHERE id = $1`, [id])
      : [];
    if (row === undefined) throw new NotFoundError('no such webhook');
    return row.active;
  }

  private async count(sql: string, parameters: unknown[] = []): Promise<number> {
    const [row]: { n: string }[] = await this.dataSource.query(sql, parameters);
    return Number(row.n);
  }
}

interface SubscriptionRow {
  id: string;
  url: string;
  events: string[];
  active: boolean;
  created_at: Date;
  disabled_at: Date | null;
  disabled_reason: string | null;
}

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  /** `sending`: a sender holds it (a lease); listed as pending. */
  status: WebhookDelivery['status'] | 'sending';
  attempt_log: WebhookAttempt[];
  due_at: Date;
  created_at: Date;
}

function toSubscription(row: SubscriptionRow): WebhookSubscription {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    active: row.active,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
    disabledReason: row.disabled_reason,
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status === 'sending' ? 'pending' : row.status,
    attempts: row.attempt_log,
    nextAttemptAt: row.status === 'sending' || row.status === 'pending' ? row.due_at : null,
    createdAt: row.created_at,
  };
}
