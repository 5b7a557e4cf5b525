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

/** A staff account and its role. */
export interface StaffMember {
  userId: UserId;
  role: AccountRole;
}

/**
 * The accounts as this service knows them: a local copy kept from user-service's events, so that
 * a new request reaches every agent and admin (and, later, mail reaches anyone) without calling
 * user-service. Every account is kept, clients too: a client's row holds the time of its state, so
 * that an older "agent" event arriving after a demotion cannot make it staff again.
 */
export interface AccountDirectory {
  /** Every account that is an agent or admin now, as far as the directory knows. */
  currentStaff(): Promise<UserId[]>;
  /** The same, each with their role. */
  staffMembers(): Promise<StaffMember[]>;
  /**
   * Takes in an account's state when it is newer than what is stored (events may arrive out of
   * order and a redelivered one must not undo a later change). Returns whether it was taken.
   */
  record(snapshot: AccountSnapshot): Promise<boolean>;
}

export const ACCOUNT_DIRECTORY = Symbol('AccountDirectory');
