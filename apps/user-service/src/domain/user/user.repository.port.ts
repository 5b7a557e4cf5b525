import type { Email } from '@ajla/shared-kernel';
import type { RoleName } from './role.value-object';
import type { User } from './user.aggregate';
import type { UserId } from './user-id';

export interface UserRepository {
  findById(id: UserId): Promise<User | undefined>;
  findByEmail(email: Email): Promise<User | undefined>;
  /** Inserts a new account; throws a ConflictError (`email_taken`) when the e-mail is taken. */
  add(user: User): Promise<void>;
  /** Stores the changes of an existing account. */
  update(user: User): Promise<void>;
  /** Up to `limit` accounts that are or ever were staff, in id order, after `after` (a page). */
  findStaffPage(after: UserId | undefined, limit: number): Promise<User[]>;
  /**
   * Writes the states the accounts reported (`reportState`) to the outbox now, in the current
   * transaction; their rows stay as they are.
   */
  report(users: readonly User[]): Promise<void>;
}

export const USER_REPOSITORY = Symbol('UserRepository');

export interface UserListFilter {
  role?: RoleName;
  page: number;
  pageSize: number;
}

export interface UserPage {
  items: User[];
  total: number;
}

/** Reads for staff screens; newest accounts first. */
export interface UserDirectory {
  list(filter: UserListFilter): Promise<UserPage>;
}

export const USER_DIRECTORY = Symbol('UserDirectory');
