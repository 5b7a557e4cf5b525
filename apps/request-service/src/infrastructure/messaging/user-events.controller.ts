import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import {
  AccountDirectoryFeed,
  USER_ACCOUNT_EVENTS,
  type UserAccountEvent,
} from '@ajla/account-directory';
import type { RoutingKey } from '@ajla/contracts';
import type { EventContext } from '@ajla/messaging';

/**
 * Keeps the staff directory (`requests.accounts`, read by assignments) from user-service's events:
 * registrations, changes, and the snapshots answering a request for the staff snapshot (this
 * service's, at its first start, or another service's). The newest state of an account wins
 * (`@ajla/account-directory`). Runs in the consumer's transaction, with its inbox row, so a
 * redelivered event has no second effect and a failed one leaves no trace.
 */
@Controller()
export class UserEventsController {
  constructor(private readonly accounts: AccountDirectoryFeed) {}

  @EventPattern<RoutingKey[]>([...USER_ACCOUNT_EVENTS])
  async onUserEvent(
    @Payload() event: UserAccountEvent,
    @Ctx() context: EventContext,
  ): Promise<void> {
    await this.accounts.record(context.transaction, event);
  }
}
