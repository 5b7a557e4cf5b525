import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, Email, type Clock } from '@ajla/shared-kernel';
import { PASSWORD_HASHER, type PasswordHasher } from '../../domain/user/password-hasher.port';
import { Password } from '../../domain/user/password.value-object';
import { Role } from '../../domain/user/role.value-object';
import { User } from '../../domain/user/user.aggregate';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
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
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: EnsureAdminCommand): Promise<EnsureAdminOutcome> {
    const email = Email.create(command.email);
    const password = Password.create(command.password);
    const existing = await this.users.findByEmail(email);
    if (existing !== undefined) return this.outcomeFor(existing);

    const admin = User.create(
      {
        email,
        passwordHash: await this.hasher.hash(password.value),
        fullName: command.fullName,
        role: Role.admin,
      },
      this.clock.now(),
    );
    try {
      await this.users.add(admin);
    } catch (error) {
      // Two replicas starting at once: the other one created it a moment ago.
      if (!(error instanceof ConflictError)) throw error;
      const winner = await this.users.findByEmail(email);
      if (winner === undefined) throw error;
      return this.outcomeFor(winner);
    }
    return { result: 'created', user: admin };
  }

  private outcomeFor(user: User): EnsureAdminOutcome {
    return user.role.isAdmin ? { result: 'already_admin', user } : { result: 'not_an_admin', user };
  }
}
