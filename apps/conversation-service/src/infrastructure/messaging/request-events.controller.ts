import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventEnvelope, RoutingKey } from '@ajla/contracts';
import { type EventContext, OutboxUnitOfWork } from '@ajla/messaging';
import { StartConversationHandler } from '../../application/start-conversation/start-conversation.handler';

/**
 * Opens the conversation of every submitted request. request-service normally opened it already
 * with its synchronous call; then this changes nothing. When that call failed (this service was
 * down, or slow), this is what creates it, once the event arrives. Runs in the consumer's
 * transaction, with its inbox row.
 */
@Controller()
export class RequestEventsController {
  private readonly logger = new Logger(RequestEventsController.name);

  constructor(
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly startConversation: StartConversationHandler,
  ) {}

  // <RoutingKey>: a pattern that is no routing key of the contracts does not compile.
  @EventPattern<RoutingKey>('request.submitted')
  async onRequestSubmitted(
    @Payload() event: EventEnvelope<'request.submitted'>,
    @Ctx() context: EventContext,
  ): Promise<void> {
    const data = event.data;
    const { created } = await this.unitOfWork.join(context.transaction, () =>
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
