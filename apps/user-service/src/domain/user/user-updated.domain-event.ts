import { DomainEvent } from '@ajla/shared-kernel';
import type { JsonObject } from './preferences.value-object';
import type { RoleName } from './role.value-object';
import type { TierLevel } from './tier.value-object';
import type { UserId } from './user-id';

/** Only the fields that changed, with their new values. */
export interface UserUpdatedPayload {
  fullName?: string | null;
  preferences?: JsonObject;
  role?: RoleName;
  tier?: TierLevel;
}

export class UserUpdated extends DomainEvent<UserUpdatedPayload> {
  static readonly EVENT_NAME = 'user.updated';
  readonly eventName = UserUpdated.EVENT_NAME;

  constructor(userId: UserId, payload: UserUpdatedPayload, occurredAt: Date) {
    super(userId, payload, occurredAt);
  }
}
