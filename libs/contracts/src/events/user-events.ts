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

/**
 * `user.updated` v1: the user's state after the change (preferences excepted: they are private to
 * the user-service), and which fields changed.
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
  })
  .meta({
    description:
      'A user changed: their state after the change (preferences excepted: they are private to the user-service), and which fields changed.',
  });
export type UserUpdatedV1 = z.infer<typeof UserUpdatedV1>;
