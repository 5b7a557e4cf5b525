import type { UserId } from '../user-id';
import type { AccountRole } from './account-role';

/** A staff account and its role. */
export interface StaffMember {
  userId: UserId;
  role: AccountRole;
}

/**
 * The accounts as this service knows them: a local copy (`notifications.accounts`) kept from
 * user-service's events by `@ajla/account-directory`, so that a new request reaches every agent
 * and admin (and mail reaches anyone) without calling user-service.
 */
export interface AccountDirectory {
  /** Every account that is an agent or admin now, as far as the directory knows. */
  currentStaff(): Promise<UserId[]>;
  /** The same, each with their role. */
  staffMembers(): Promise<StaffMember[]>;
}

export const ACCOUNT_DIRECTORY = Symbol('AccountDirectory');
