import { DomainEvent } from '@ajla/shared-kernel';
import type { RoleName } from './role.value-object';
import type { TierLevel } from './tier.value-object';
import type { UserId } from './user-id';

/** The account's visible state, as of the time it reached it, for the service that asked for it. */
export interface UserStateReportedPayload {
  email: string;
  fullName: string | null;
  role: RoleName;
  tier: TierLevel;
  asOf: Date;
  requestedBy: string;
}

/** An account's state was reported to a service catching up on accounts (nothing changed). */
export class UserStateReported extends DomainEvent<UserStateReportedPayload> {
  static readonly EVENT_NAME = 'user.state_reported';
  readonly eventName = UserStateReported.EVENT_NAME;

  constructor(userId: UserId, payload: UserStateReportedPayload, occurredAt: Date) {
    super(userId, payload, occurredAt);
  }
}
