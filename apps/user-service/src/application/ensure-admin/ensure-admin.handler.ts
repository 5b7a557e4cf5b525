import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, Email, type Clock } from '@ajla/shared-kernel';
import { PASSWORD_HASHER, type PasswordHasher } from '../../domain/user/password-hasher.port';
import { Role } from '../../domain/user/role.value-object';
import type { User } from '../../domain/user/user.aggregate';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import { AccountOpening } from '../open-account/account-opening';
import { CLOCK } from '../ports/clock.port';
import type { EnsureAdminCommand } from './ensure-admin.command';

export type EnsureAdminOutcome =
  /** There was no account with this e-mail; an admin account now exists. */
  | { result: 'created'; user: User }
  /** The admin existed already; nothing was changed (its password neither). */
  | { result: 'already_admin'; user: User }
  /** An account with this e-mail exists with another role; it was left as it is. */
  | { result: 'not_an_admin'; user: User };

/**
 * Makes sure the bootstrap admin exists (start-up with ADMIN_EMAIL/ADMIN_PASSWORD, and the CLI).
 * Idempotent. An existing account is never promoted nor given the configured password: anybody can
 * register any e-mail, so promoting would hand admin rights to whoever registered the admin's
 * address first. Such an account has to be dealt with by a person (see the service README).
 */
@Injectable()
export class EnsureAdminHandler {
  private readonly accounts: AccountOpening;

  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) hasher: PasswordHasher,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.accounts = new AccountOpening(users, hasher, clock);
  }

  async execute(command: EnsureAdminCommand): Promise<EnsureAdminOutcome> {
    try {
      const admin = await this.accounts.open({ ...command, role: Role.admin });
      return { result: 'created', user: admin };
    } catch (error) {
      // The account exists already, or another replica starting at once created it a moment ago.
      if (!(error instanceof ConflictError)) throw error;
      const existing = await this.users.findByEmail(Email.create(command.email));
      if (existing === undefined) throw error;
      return existing.role.isAdmin
        ? { result: 'already_admin', user: existing }
        : { result: 'not_an_admin', user: existing };
    }
  }
}
