import type { UserUpdatedField } from '@ajla/contracts';
import type { AnyAggregate, IntegrationEvent, IntegrationEventMapper } from '@ajla/messaging';
import type { DomainEvent } from '@ajla/shared-kernel';
import { User } from '../../domain/user/user.aggregate';
import { UserRegistered } from '../../domain/user/user-registered.domain-event';
import { UserStateReported } from '../../domain/user/user-state-reported.domain-event';
import { notificationSettingsOf } from '../../domain/user/preferences.value-object';
import { UserUpdated, type UserUpdatedPayload } from '../../domain/user/user-updated.domain-event';

export const PRODUCER = 'user-service';

const CHANGED_FIELDS: Record<keyof UserUpdatedPayload, UserUpdatedField> = {
  fullName: 'full_name',
  preferences: 'preferences',
  role: 'role',
  tier: 'tier',
};

/**
 * The versioned contract (`@ajla/contracts`) of each domain event a `User` records.
 * `user.updated` carries the account's state after the change: the changed fields from the domain
 * event, the others from the aggregate as it is saved. Preferences stay private to this service
 * (only the fact that they changed is published), but for their notification part
 * (`notification_preferences`: which events the user is mailed about). `user.snapshot` is a state reported to a service
 * catching up on the staff (`user.snapshot_requested`).
 */
export const userIntegrationEventMapper: IntegrationEventMapper = {
  toIntegrationEvent(event: DomainEvent, recordedBy: AnyAggregate): IntegrationEvent | undefined {
    if (event instanceof UserRegistered) {
      return {
        type: 'user.registered',
        data: {
          user_id: event.aggregateId,
          email: event.payload.email,
          full_name: event.payload.fullName,
          role: event.payload.role,
          tier: event.payload.tier,
          created_at: event.occurredAt.toISOString(),
        },
      };
    }
    if (event instanceof UserUpdated && recordedBy instanceof User) {
      const changed = event.payload;
      return {
        type: 'user.updated',
        data: {
          user_id: event.aggregateId,
          email: recordedBy.email.value,
          full_name: 'fullName' in changed ? (changed.fullName ?? null) : recordedBy.fullName,
          role: changed.role ?? recordedBy.role.name,
          tier: changed.tier ?? recordedBy.tier.level,
          updated_at: event.occurredAt.toISOString(),
          changed: (Object.keys(changed) as (keyof UserUpdatedPayload)[]).map(
            (field) => CHANGED_FIELDS[field],
          ),
          // The one public part of the preferences: which events the user is mailed about.
          notification_preferences: notificationSettingsOf(
            changed.preferences ?? recordedBy.preferences.toJSON(),
          ),
        },
      };
    }
    if (event instanceof UserStateReported) {
      return {
        type: 'user.snapshot',
        data: {
          user_id: event.aggregateId,
          email: event.payload.email,
          full_name: event.payload.fullName,
          role: event.payload.role,
          tier: event.payload.tier,
          as_of: event.payload.asOf.toISOString(),
          requested_by: event.payload.requestedBy,
        },
      };
    }
    return undefined;
  },
};
