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
 * The concierge staff as this service knows them: a local copy (`requests.accounts`) kept from
 * user-service's events by `@ajla/account-directory` (the newest state of each account wins), so
 * an assignment can be checked without calling user-service.
 */
export interface StaffDirectory {
  /** The account when it is an agent or admin now, as far as the directory knows; else undefined. */
  findStaff(userId: UserId): Promise<AccountSnapshot | undefined>;
}

export const STAFF_DIRECTORY = Symbol('StaffDirectory');
