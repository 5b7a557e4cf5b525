import { z } from 'zod';
import { USER_ROLES, USER_TIERS, text, utcTime, uuid } from '../common';

// Deliberately permissive, like the user-service's own rule: one @, no spaces. A consumer that
// needs more proof than that sends a message to the address.
const email = z
  .string()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address');

const fullName = text(1, 200).nullable();

/** `user.registered` v1: a client registered, or an admin created a staff account. */
export const UserRegisteredV1 = z
  .object({
    user_id: uuid(),
    email,
    full_name: fullName,
    role: z.enum(USER_ROLES),
    tier: z.literal(USER_TIERS),
    created_at: utcTime(),
  })
  .meta({ description: 'A client registered, or an admin created a staff account.' });
export type UserRegisteredV1 = z.infer<typeof UserRegisteredV1>;

export const USER_UPDATED_FIELDS = ['full_name', 'preferences', 'role', 'tier'] as const;
export type UserUpdatedField = (typeof USER_UPDATED_FIELDS)[number];

/** The events a user may be mailed about; each can be turned off in their preferences. */
export const MAILED_EVENT_TYPES = [
  'request.submitted',
  'request.assigned',
  'request.status_changed',
  'message.created',
] as const;
export type MailedEventType = (typeof MAILED_EVENT_TYPES)[number];

/**
 * The notification part of a user's preferences: per channel, the events turned off (`false`) or
 * on (`true`); an event not listed is on. Only the e-mail channel exists.
 */
export const NotificationPreferencesV1 = z
  .object({
    email: z.partialRecord(z.enum(MAILED_EVENT_TYPES), z.boolean()),
  })
  .meta({
    description:
      'Which events a user is mailed about: `email` maps an event type to false (not mailed) or true; an event not listed is mailed.',
  });
export type NotificationPreferencesV1 = z.infer<typeof NotificationPreferencesV1>;

/**
 * `user.updated` v1: the user's state after the change (preferences excepted: they are private to
 * the user-service, but for their notification part), and which fields changed.
 * `notification_preferences` was added later (optional: events before it do not carry it).
 */
export const UserUpdatedV1 = z
  .object({
    user_id: uuid(),
    email,
    full_name: fullName,
    role: z.enum(USER_ROLES),
    tier: z.literal(USER_TIERS),
    updated_at: utcTime(),
    changed: z.array(z.enum(USER_UPDATED_FIELDS)).min(1),
    notification_preferences: NotificationPreferencesV1.optional(),
  })
  .meta({
    description:
      'A user changed: their state after the change (preferences excepted: they are private to the user-service, but for `notification_preferences`, which events they are mailed about), and which fields changed.',
  });
export type UserUpdatedV1 = z.infer<typeof UserUpdatedV1>;

/** The name of a consuming service, as in `EVENT_SUBSCRIPTIONS` (`request-service`, ...). */
const serviceName = text(1, 100);

/**
 * `user.snapshot_requested` v1: a service whose read model of accounts may have missed events
 * (it was deployed after accounts existed, or it repairs its copy) asks user-service for the
 * current state of every account such a read model needs. The answer is `user.snapshot` events.
 */
export const UserSnapshotRequestedV1 = z
  .object({
    requested_by: serviceName,
  })
  .meta({
    description:
      'A service asks user-service for the current state of every staff account (and of accounts that may have left the staff), to fill or repair its own copy. Answered with user.snapshot events.',
  });
export type UserSnapshotRequestedV1 = z.infer<typeof UserSnapshotRequestedV1>;

/**
 * `user.snapshot` v1: an account's state as of `as_of` (the time it reached that state), sent in
 * answer to a `user.snapshot_requested`. A state, not a change: a consumer updates its copy when
 * the snapshot is newer than what it holds, and takes no other action (nothing happened).
 */
export const UserSnapshotV1 = z
  .object({
    user_id: uuid(),
    email,
    full_name: fullName,
    role: z.enum(USER_ROLES),
    tier: z.literal(USER_TIERS),
    as_of: utcTime(),
    requested_by: serviceName,
  })
  .meta({
    description:
      'An account as it is now, as of the time it reached this state, in answer to a user.snapshot_requested (requested_by). A state, not a change: consumers keep the newest state they have (by as_of and the times of user.registered and user.updated) and take no other action.',
  });
export type UserSnapshotV1 = z.infer<typeof UserSnapshotV1>;
