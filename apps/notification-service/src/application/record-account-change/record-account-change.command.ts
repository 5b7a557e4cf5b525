/** An account's state as a user event (`user.registered`, `user.updated`, `user.snapshot`) tells it. */
export interface RecordAccountChangeCommand {
  userId: string;
  role: string;
  email: string;
  fullName: string | null;
  /** When the account was in this state: `created_at` of a registration, `updated_at` of a change, `as_of` of a snapshot. */
  asOf: Date;
}
