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
 * The concierge staff as this service knows them: a local copy kept from user-service's events, so
 * an assignment can be checked without calling user-service. It holds every account it heard of,
 * clients too, with the time of the state it holds: a client's row is what keeps an older "agent"
 * event, arriving after a demotion, from making the account staff again.
 */
export interface StaffDirectory {
  /** The account when it is an agent or admin now, as far as the directory knows; else undefined. */
  findStaff(userId: UserId): Promise<AccountSnapshot | undefined>;
  /**
   * Takes in an account's state. Kept when it is newer than what is stored (events may arrive out
   * of order and a redelivered one must not undo a later change), whatever the role. Returns
   * whether the directory changed.
   */
  record(snapshot: AccountSnapshot): Promise<boolean>;
}

export const STAFF_DIRECTORY = Symbol('StaffDirectory');
