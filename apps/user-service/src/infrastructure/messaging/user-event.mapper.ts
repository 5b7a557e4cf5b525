import { createEnvelope, type EventEnvelope, type UserUpdatedField } from '@ajla/contracts';
import type { DomainEvent } from '@ajla/shared-kernel';
import type { User } from '../../domain/user/user.aggregate';
import { UserRegistered } from '../../domain/user/user-registered.domain-event';
import { UserUpdated, type UserUpdatedPayload } from '../../domain/user/user-updated.domain-event';

/** `producer` of every event this service publishes. */
export const USER_SERVICE_PRODUCER = 'user-service';

const CHANGED_FIELDS: Record<keyof UserUpdatedPayload, UserUpdatedField> = {
  fullName: 'full_name',
  preferences: 'preferences',
  role: 'role',
  tier: 'tier',
};

/**
 * The integration events (versioned contracts of `@ajla/contracts`) of what a `User` recorded.
 * `user.updated` carries the account's state after the change: the changed fields from the domain
 * event, the others from the aggregate as it is saved. Preferences stay private to this service:
 * only the fact that they changed is published.
 */
export const UserEventMapper = {
  toIntegrationEvents(
    user: User,
    events: readonly DomainEvent[],
    context: { correlationId: string | null },
  ): EventEnvelope[] {
    const options = (event: DomainEvent) => ({
      producer: USER_SERVICE_PRODUCER,
      correlationId: context.correlationId,
      occurredAt: event.occurredAt,
    });
    return events.map((event): EventEnvelope => {
      if (event instanceof UserRegistered) {
        return createEnvelope(
          'user.registered',
          {
            user_id: event.aggregateId,
            email: event.payload.email,
            full_name: event.payload.fullName,
            role: event.payload.role,
            tier: event.payload.tier,
            created_at: event.occurredAt.toISOString(),
          },
          options(event),
        );
      }
      if (event instanceof UserUpdated) {
        const changed = event.payload;
        return createEnvelope(
          'user.updated',
          {
            user_id: event.aggregateId,
            email: user.email.value,
            full_name: 'fullName' in changed ? (changed.fullName ?? null) : user.fullName,
            role: changed.role ?? user.role.name,
            tier: changed.tier ?? user.tier.level,
            updated_at: event.occurredAt.toISOString(),
            changed: (Object.keys(changed) as (keyof UserUpdatedPayload)[]).map(
              (field) => CHANGED_FIELDS[field],
            ),
          },
          options(event),
        );
      }
      // A new domain event must be given its contract (or be declared private) before it ships.
      throw new Error(`No integration event for the domain event ${event.eventName}`);
    });
  },
};
