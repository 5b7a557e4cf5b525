import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@ajla/contracts';
import { OutboxUnitOfWork } from '@ajla/messaging';
import { newId } from '@ajla/shared-kernel';
import { ALL_EVENTS } from './webhook-events';

/**
 * Queues an event for every active webhook that wants it: one `webhook_deliveries` row each,
 * written in the consumer's transaction with the event's inbox row, so no event is lost between
 * the broker and the sender, and one arriving twice is queued once per subscription.
 */
@Injectable()
export class WebhookDeliveries {
  constructor(private readonly unitOfWork: OutboxUnitOfWork) {}

  async queue(event: EventEnvelope): Promise<void> {
    const manager = this.unitOfWork.manager;
    const subscriptions: { id: string }[] = await manager.query(
      `SELECT id FROM webhook_subscriptions
        WHERE active AND ($1 = ANY (events) OR $2 = ANY (events))`,
      [ALL_EVENTS, event.type],
    );
    for (const subscription of subscriptions) {
      await manager.query(
        `INSERT INTO webhook_deliveries
                (id, subscription_id, event_id, event_type, envelope, due_at, created_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, now(), now())
         ON CONFLICT (subscription_id, event_id) DO NOTHING`,
        [newId(), subscription.id, event.id, event.type, JSON.stringify(event)],
      );
    }
  }
}
