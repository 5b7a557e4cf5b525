import { Injectable, Logger } from '@nestjs/common';
import type { EventEnvelope, RoutingKey } from '@ajla/contracts';
import { type EventHandler, OutboxUnitOfWork } from '@ajla/messaging';
import type { EntityManager } from 'typeorm';
import { RecordStaffChangeHandler } from '../../application/record-staff-change/record-staff-change.handler';

/**
 * Keeps the staff directory from user-service's events. Runs in the consumer's transaction (with
 * its inbox row), so a redelivered event has no second effect and a failed one leaves no trace.
 */
@Injectable()
export class UserEventsHandler implements EventHandler {
  readonly routingKeys: readonly RoutingKey[] = ['user.registered', 'user.updated'];
  private readonly logger = new Logger(UserEventsHandler.name);

  constructor(
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly recordStaffChange: RecordStaffChangeHandler,
  ) {}

  async handle(event: EventEnvelope, tx: EntityManager): Promise<void> {
    if (event.type !== 'user.registered' && event.type !== 'user.updated') return;
    const data = event.data;
    const asOf = new Date('created_at' in data ? data.created_at : data.updated_at);
    const changed = await this.unitOfWork.join(tx, () =>
      this.recordStaffChange.execute({
        userId: data.user_id,
        role: data.role,
        email: data.email,
        fullName: data.full_name,
        asOf,
      }),
    );
    if (changed) {
      this.logger.log(`staff directory: ${data.user_id} is ${data.role} (event ${event.id})`);
    }
  }
}
