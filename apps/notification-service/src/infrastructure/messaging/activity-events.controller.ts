import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { RoutingKey } from '@ajla/contracts';
import { type EventContext, OutboxUnitOfWork } from '@ajla/messaging';
import type { NotifyRecipientsCommand } from '../../application/notify-recipients/notify-recipients.command';
import { NotifyRecipientsHandler } from '../../application/notify-recipients/notify-recipients.handler';
import { NotificationHub } from '../realtime/notification-hub';
import { WebhookDeliveries } from '../webhooks/webhook-deliveries';

/**
 * The events people are told of: requests coming in and moving, and replies in conversations;
 * the same events go to the webhooks that want them.
 * Runs in the consumer's transaction with the event's inbox row, so an event notifies once; what
 * it stored is pushed to the recipients' sockets once that transaction has committed.
 */
@Controller()
export class ActivityEventsController {
  private readonly logger = new Logger(ActivityEventsController.name);

  constructor(
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly notifyRecipients: NotifyRecipientsHandler,
    private readonly hub: NotificationHub,
    private readonly webhooks: WebhookDeliveries,
  ) {}

  // <RoutingKey[]>: a pattern that is no routing key of the contracts does not compile.
  @EventPattern<RoutingKey[]>([
    'request.submitted',
    'request.assigned',
    'request.status_changed',
    'message.created',
  ])
  async onActivity(
    @Payload() event: NotifyRecipientsCommand,
    @Ctx() context: EventContext,
  ): Promise<void> {
    const stored = await this.unitOfWork.join(context.transaction, async () => {
      await this.webhooks.queue(event);
      return this.notifyRecipients.execute(event);
    });
    if (stored.length > 0) {
      this.logger.debug(`${event.type} ${event.id}: ${stored.length} notification(s)`);
      // Pushed only once durable: a socket never shows what a rollback then takes back.
      context.afterCommit(() => void this.hub.push(stored));
    }
  }
}
