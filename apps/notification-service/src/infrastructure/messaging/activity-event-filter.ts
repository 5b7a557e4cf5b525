import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@ajla/contracts';
import type { EventFilter } from '@ajla/messaging';
import { messageCreatedDrafts } from '../../application/notify-recipients/notification-rules';
import { WebhookDeliveries } from '../webhooks/webhook-deliveries';

/**
 * Most messages notify nobody here: a client's, and the request's opening message, are told to
 * no one in the app (API.md), so unless a webhook wants `message.created` they need no
 * transaction at all, and are acknowledged without one. Every other event is handled.
 */
@Injectable()
export class ActivityEventFilter implements EventFilter {
  constructor(private readonly webhooks: WebhookDeliveries) {}

  handles(event: EventEnvelope): boolean {
    if (event.type !== 'message.created') return true;
    if (this.webhooks.mayWant(event.type)) return true;
    return messageCreatedDrafts(event.data as EventEnvelope<'message.created'>['data']).length > 0;
  }
}
