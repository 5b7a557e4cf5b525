import { BaseRpcContext } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';
import type { EntityManager } from 'typeorm';

/**
 * What an `@EventPattern` handler gets beside the event (`@Ctx() context: EventContext`): the
 * transaction that also records the event in the inbox, and the AMQP delivery it came in.
 */
export class EventContext extends BaseRpcContext<
  [EntityManager, ConsumeMessage, Array<() => void>]
> {
  /**
   * Make every database change through it (`unitOfWork.join(context.transaction, ...)`): the
   * effects and "handled" commit together, so a redelivery has no second effect, and a handler
   * that throws leaves no trace (the event is retried with back-off, then dead-lettered).
   */
  get transaction(): EntityManager {
    return this.args[0];
  }

  /**
   * Runs `effect` once the transaction has committed (never if it rolls back): what others may
   * only hear of when it is durable, e.g. a live push of what the handler stored. It runs before
   * the delivery is acknowledged; if it throws, the error is logged and the event stays handled.
   */
  afterCommit(effect: () => void): void {
    this.args[2].push(effect);
  }

  /** The delivery (headers, redelivered flag); the transport alone acknowledges it. */
  get message(): ConsumeMessage {
    return this.args[1];
  }
}
