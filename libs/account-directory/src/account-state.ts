import type { EventEnvelope, RoutingKey, UserRole } from '@ajla/contracts';

/** The user events that tell an account's state: a registration, a change, a snapshot. */
export const USER_ACCOUNT_EVENTS = [
  'user.registered',
  'user.updated',
  'user.snapshot',
] as const satisfies readonly RoutingKey[];

export type UserAccountEvent = EventEnvelope<(typeof USER_ACCOUNT_EVENTS)[number]>;

/** An account as a user event tells it (user-service owns the account itself). */
export interface AccountState {
  userId: string;
  role: UserRole;
  email: string;
  fullName: string | null;
  /**
   * When the account was in this state: `created_at` of a registration, `updated_at` of a change,
   * `as_of` of a snapshot. The newest state wins, whatever order the events arrive in.
   */
  asOf: Date;
}

export function accountStateOf(event: UserAccountEvent): AccountState {
  const { data } = event;
  const asOf =
    event.type === 'user.registered'
      ? event.data.created_at
      : event.type === 'user.updated'
        ? event.data.updated_at
        : event.data.as_of;
  return {
    userId: data.user_id,
    role: data.role,
    email: data.email,
    fullName: data.full_name,
    asOf: new Date(asOf),
  };
}
