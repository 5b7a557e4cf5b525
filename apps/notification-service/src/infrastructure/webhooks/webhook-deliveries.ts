import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@ajla/contracts';
import { OutboxUnitOfWork } from '@ajla/messaging';
import { newId } from '@ajla/shared-kernel';
import { DirectoryCache } from '../persistence/directory-cache';
import { ALL_EVENTS } from './webhook-events';

/** An active subscription as kept in memory: what it wants. */
interface Subscription {
  id: string;
  events: string[];
}

/** The `DirectoryCache` key of the active subscriptions. */
const SUBSCRIPTIONS = 'webhook_subscriptions';

function wants(subscription: Subscription, type: string): boolean {
  return subscription.events.includes(ALL_EVENTS) || subscription.events.includes(type);
}

/**
 * Queues an event for every active webhook that wants it: one `webhook_deliveries` row each,
 * written in the consumer's transaction with the event's inbox row, so no event is lost between
 * the broker and the sender, and one arriving twice is queued once per subscription.
 */
@Injectable()
export class WebhookDeliveries {
  constructor(
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly cache: DirectoryCache,
  ) {}

  async queue(event: EventEnvelope): Promise<void> {
    const wanting = (await this.activeSubscriptions()).filter((subscription) =>
      wants(subscription, event.type),
    );
    if (wanting.length === 0) return;
    await this.unitOfWork.manager.query(
      `INSERT INTO webhook_deliveries
              (id, subscription_id, event_id, event_type, envelope, due_at, created_at)
       SELECT d.id, w.id, $1, $2, $3::jsonb, now(), now()
         FROM unnest($4::uuid[], $5::uuid[]) AS d (id, subscription_id)
         JOIN webhook_subscriptions w ON w.id = d.subscription_id AND w.active
       ON CONFLICT (subscription_id, event_id) DO NOTHING`,
      [
        event.id,
        event.type,
        JSON.stringify(event),
        wanting.map(() => newId()),
        wanting.map((subscription) => subscription.id),
      ],
    );
  }

  /**
   * Whether an event of `type` may be queued for some webhook, from memory: true unless the
   * subscriptions are known and none wants it (true too when they are not known right now).
   */
  mayWant(type: string): boolean {
    const known = this.cache.peek<Subscription[]>(SUBSCRIPTIONS);
    return known === undefined || known.some((subscription) => wants(subscription, type));
  }

  /**
   * Every active subscription and the events it wants, kept in memory between changes (asked at
   * every event). The insert checks them again: one deleted or turned off a moment ago, which the
   * memory may not know yet, gets nothing.
   */
  private activeSubscriptions(): Promise<Subscription[]> {
    return this.cache.get(SUBSCRIPTIONS, () =>
      this.unitOfWork.manager.query(
        `SELECT id, events FROM webhook_subscriptions WHERE active ORDER BY id`,
      ),
    );
  }
}
