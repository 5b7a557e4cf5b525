import { Injectable, Logger } from '@nestjs/common';
import type { EventEnvelope, RoutingKey } from '@ajla/contracts';
import { type EventHandler, OutboxUnitOfWork } from '@ajla/messaging';
import type { EntityManager } from 'typeorm';
import { StartConversationHandler } from '../../application/start-conversation/start-conversation.handler';

/**
 * Opens the conversation of every submitted request. request-service normally opened it already
 * with its synchronous call; then this changes nothing. When that call failed (this service was
 * down, or slow), this is what creates it, once the event arrives. Runs in the consumer's
 * transaction, with its inbox row.
 */
@Injectable()
export class RequestEventsHandler implements EventHandler {
  readonly routingKeys: readonly RoutingKey[] = ['request.submitted'];
  private readonly logger = new Logger(RequestEventsHandler.name);

  constructor(
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly startConversation: StartConversationHandler,
  ) {}

  async handle(event: EventEnvelope, tx: EntityManager): Promise<void> {
    if (event.type !== 'request.submitted') return;
    const data = event.data;
    const { created } = await this.unitOfWork.join(tx, () =>
      this.startConversation.execute({
        conversationId: data.conversation_id,
        requestId: data.request_id,
        userId: data.user_id,
        description: data.description,
        createdAt: data.created_at,
      }),
    );
    if (created) {
      this.logger.log(
        `conversation ${data.conversation_id} opened from request.submitted (event ${event.id})`,
      );
    }
  }
}
