import { Controller, Logger } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { EventEnvelope, RoutingKey } from '@ajla/contracts';
import { type EventContext, OutboxUnitOfWork } from '@ajla/messaging';
import { RecordAccountChangeHandler } from '../../application/record-account-change/record-account-change.handler';
import { RecordMailPreferencesHandler } from '../../application/record-mail-preferences/record-mail-preferences.handler';

/**
 * Keeps the account directory (who is staff, hears of new requests) from user-service's events
 * (changes and snapshots). Runs in the consumer's transaction (with its inbox row), so a redelivered event has no second effect and a
 * failed one leaves no trace.
 */
@Controller()
export class UserEventsController {
  private readonly logger = new Logger(UserEventsController.name);

  constructor(
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly recordAccountChange: RecordAccountChangeHandler,
    private readonly recordMailPreferences: RecordMailPreferencesHandler,
  ) {}

  // <RoutingKey[]>: a pattern that is no routing key of the contracts does not compile.
  @EventPattern<RoutingKey[]>(['user.registered', 'user.updated'])
  async onUserChanged(
    @Payload() event: EventEnvelope<'user.registered' | 'user.updated'>,
    @Ctx() context: EventContext,
  ): Promise<void> {
    const data = event.data;
    const asOf = new Date('created_at' in data ? data.created_at : data.updated_at);
    const changed = await this.unitOfWork.join(context.transaction, () =>
      this.recordAccountChange.execute({
        userId: data.user_id,
        role: data.role,
        email: data.email,
        fullName: data.full_name,
        asOf,
      }),
    );
    if (changed) {
      this.logger.log(`account directory: ${data.user_id} is ${data.role} (event ${event.id})`);
    }
    // Which events the user is mailed about (carried by user.updated since it has them).
    if ('notification_preferences' in data && data.notification_preferences !== undefined) {
      const preferences = data.notification_preferences;
      await this.unitOfWork.join(context.transaction, () =>
        this.recordMailPreferences.execute({ userId: data.user_id, preferences, asOf }),
      );
    }
  }

  /**
   * An account's state in user-service's answer to a request for the staff snapshot (this
   * service's, at its first start, or another service's: every consumer of `user.snapshot` gets
   * every answer). The same rule as a change: kept only when newer than what the directory holds.
   */
  @EventPattern<RoutingKey>('user.snapshot')
  async onUserSnapshot(
    @Payload() event: EventEnvelope<'user.snapshot'>,
    @Ctx() context: EventContext,
  ): Promise<void> {
    const data = event.data;
    const changed = await this.unitOfWork.join(context.transaction, () =>
      this.recordAccountChange.execute({
        userId: data.user_id,
        role: data.role,
        email: data.email,
        fullName: data.full_name,
        asOf: new Date(data.as_of),
      }),
    );
    if (changed) {
      this.logger.log(`account directory: ${data.user_id} is ${data.role} (snapshot ${event.id})`);
    }
  }
}
