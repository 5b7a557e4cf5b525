import { DomainEvent } from '@ajla/shared-kernel';
import type { RoleName } from './role.value-object';
import type { TierLevel } from './tier.value-object';
import type { UserId } from './user-id';

export interface UserRegisteredPayload {
  email: string;
  fullName: string | null;
  role: RoleName;
  tier: TierLevel;
}

/** A person got an account: a client registered, or an admin created a staff account. */
export class UserRegistered extends DomainEvent<UserRegisteredPayload> {
  static readonly EVENT_NAME = 'user.registered';
  readonly eventName = UserRegistered.EVENT_NAME;

  constructor(userId: UserId, payload: UserRegisteredPayload, occurredAt: Date) {
    super(userId, payload, occurredAt);
  }
}
