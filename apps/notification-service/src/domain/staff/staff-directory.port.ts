import type { UserId } from '../user-id';
import type { AccountRole } from './account-role';

/** An account as the directory last heard of it (user-service owns the account itself). */
export interface AccountSnapshot {
  userId: UserId;
  role: AccountRole;
  email: string;
  fullName: string | null;
  /** When the account was in this state (its creation or its last change in user-service). */
  asOf: Date;
}

/**
 * The concierge staff as this service knows them: a local copy kept from user-service's events,
 * so that a new request reaches every agent and admin without calling user-service. It holds every
 * account that is or was staff, with the time of the state it holds.
 */
export interface StaffDirectory {
  /** Every account that is an agent or admin now, as far as the directory knows. */
  currentStaff(): Promise<UserId[]>;
  /**
   * Takes in an account's state. Kept when it is newer than what is stored (events may arrive out
   * of order and a redelivered one must not undo a later change); an account that is not staff is
   * stored only when it replaces a staff entry (a demotion), never added. Returns whether the
   * directory changed.
   */
  record(snapshot: AccountSnapshot): Promise<boolean>;
}

export const STAFF_DIRECTORY = Symbol('StaffDirectory');
