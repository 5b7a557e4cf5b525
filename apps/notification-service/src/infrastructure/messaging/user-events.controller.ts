import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  AccountDirectoryFeed,
  USER_ACCOUNT_EVENTS,
  type UserAccountEvent,
} from '@ajla/account-directory';
import type { RoutingKey } from '@ajla/contracts';
import { type EventContext, OutboxUnitOfWork } from '@ajla/messaging';
import { RecordMailPreferencesHandler } from '../../application/record-mail-preferences/record-mail-preferences.handler';

/**
 * Keeps the account directory (`notifications.accounts`: who is staff, hears of new requests, and
 * where mail goes) from user-service's events: registrations, changes, and the snapshots answering
 * a request for the staff snapshot. The newest state of an account wins
 * (`@ajla/account-directory`). A change also carries which events the user is mailed about, kept
 * here. Runs in the consumer's transaction, with its inbox row, so a redelivered event has no
 * second effect and a failed one leaves no trace.
 */
@Controller()
export class UserEventsController {
  constructor(
    private readonly accounts: AccountDirectoryFeed,
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly recordMailPreferences: RecordMailPreferencesHandler,
  ) {}

  @EventPattern<RoutingKey[]>([...USER_ACCOUNT_EVENTS])
  async onUserEvent(
    @Payload() event: UserAccountEvent,
    @Ctx() context: EventContext,
  ): Promise<void> {
    await this.accounts.record(context.transaction, event);
    if (event.type === 'user.updated' && event.data.notification_preferences !== undefined) {
      const { user_id: userId, notification_preferences: preferences, updated_at } = event.data;
      await this.unitOfWork.join(context.transaction, () =>
        this.recordMailPreferences.execute({ userId, preferences, asOf: new Date(updated_at) }),
      );
    }
  }
}
