import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '@ajla/shared-kernel';
import { PASSWORD_HASHER, type PasswordHasher } from '../../domain/user/password-hasher.port';
import { Role } from '../../domain/user/role.value-object';
import type { User } from '../../domain/user/user.aggregate';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import { AccountOpening } from '../open-account/account-opening';
import { CLOCK } from '../ports/clock.port';
import type { RegisterUserCommand } from './register-user.command';

/** A client signs up: a `user` account at the standard tier. */
@Injectable()
export class RegisterUserHandler {
  private readonly accounts: AccountOpening;

  constructor(
    @Inject(USER_REPOSITORY) users: UserRepository,
    @Inject(PASSWORD_HASHER) hasher: PasswordHasher,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.accounts = new AccountOpening(users, hasher, clock);
  }

  async execute(command: RegisterUserCommand): Promise<User> {
    return this.accounts.open({ ...command, role: Role.user });
  }
}
