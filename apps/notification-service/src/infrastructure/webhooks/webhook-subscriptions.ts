import { Injectable } from '@nestjs/common';
import type { PageRequest, Paged } from '@ajla/platform';
import { isId, newId, NotFoundError, ValidationError } from '@ajla/shared-kernel';
import { DataSource } from 'typeorm';
import { NOTIFICATIONS_SCHEMA } from '../persistence/entities';
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

/** The admins' webhook subscriptions and their deliveries (`notifications.webhook_*`). */
@Injectable()
export class WebhookSubscriptions {
  constructor(private readonly dataSource: DataSource) {}

  async create(input: { url: string; events: string[]; createdBy: string }) {
    const problem = urlProblem(input.url);
    if (problem) throw new ValidationError(problem);
    const secret = newWebhookSecret();
    const [row]: SubscriptionRow[] = await this.dataSource.query(
      `INSERT INTO ${s}.webhook_subscriptions (id, url, events, secret, active, created_at, created_by)
       VALUES ($1, $2, $3, $4, true, now(), $5)
       RETURNING id, url, events, active, created_at`,
      [newId(), input.url, [...new Set(input.events)], secret, input.createdBy],
    );
    return { ...toSubscription(row), secret };
  }

  async list(page: PageRequest): Promise<Paged<WebhookSubscription>> {
    const rows: SubscriptionRow[] = await this.dataSource.query(
      `SELECT id, url, events, active, created_at
         FROM ${s}.webhook_subscriptions
        ORDER BY created_at DESC, id DESC
        LIMIT $1 OFFSET $2`,
      [page.pageSize, (page.page - 1) * page.pageSize],
    );
    const total = await this.count(`SELECT count(*) AS n FROM ${s}.webhook_subscriptions`);
    return { ...page, items: rows.map(toSubscription), total };
  }

  /** Deletes a subscription and its deliveries: nothing more is sent to it. */
  async delete(id: string): Promise<void> {
    const deleted: unknown[] = isId(id)
      ? (
          await this.dataSource.query(
            `DELETE FROM ${s}.webhook_subscriptions WHERE id = $1 RETURNING id`,
            [id],
          )
        )[0]
      : [];
    if (deleted.length === 0) throw new NotFoundError('no such webhook');
  }

  /** A subscription's deliveries, newest first, each with its attempts. */
  async deliveries(id: string, page: PageRequest): Promise<Paged<WebhookDelivery>> {
    const exists: unknown[] = isId(id)
      ? await this.dataSource.query(`SELECT 1 FROM ${s}.webhook_subscriptions WHERE id = $1`, [id])
      : [];
    if (exists.length === 0) throw new NotFoundError('no such webhook');
    const rows: DeliveryRow[] = await this.dataSource.query(
      `SELECT id, event_id, event_type, status, attempt_log, due_at, created_at
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
}

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  status: WebhookDelivery['status'];
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
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    eventType: row.event_type,
    status: row.status,
    attempts: row.attempt_log,
    nextAttemptAt: row.status === 'pending' ? row.due_at : null,
    createdAt: row.created_at,
  };
}
