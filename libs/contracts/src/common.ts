import { z } from 'zod';

/** A UUID string (RFC 9562), as every AJLA id is. */
export const uuid = () => z.uuid();

/**
 * Text of `min` to `max` characters counted as Unicode code points, as the services count them
 * (an emoji is one character, not two UTF-16 units).
 */
export const text = (min: number, max: number) =>
  z
    .string()
    .refine(
      (value) => {
        const length = [...value].length;
        return length >= min && length <= max;
      },
      { message: `must be ${min} to ${max} characters` },
    )
    // For the JSON Schema of the AsyncAPI document (a refinement has none): JSON Schema's
    // minLength and maxLength count code points too.
    .meta({ minLength: min, maxLength: max });

/** An ISO-8601 instant in UTC with a `Z` (what `Date#toISOString()` gives). */
export const utcTime = () => z.iso.datetime();

export const USER_ROLES = ['user', 'agent', 'admin'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const USER_TIERS = [5000, 25000, 100000] as const;
export type UserTier = (typeof USER_TIERS)[number];

export const REQUEST_TYPES = ['travel', 'dining', 'events', 'shopping'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const REQUEST_STATUSES = [
  'new',
  'assigned',
  'in_progress',
  'fulfilled',
  'cancelled',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
