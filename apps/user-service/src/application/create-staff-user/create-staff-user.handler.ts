import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '@ajla/shared-kernel';
import { PASSWORD_HASHER, type PasswordHasher } from '../../domain/user/password-hasher.port';
import { Role } from '../../domain/user/role.value-object';
import { User } from '../../domain/user/user.aggregate';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import { AccountOpening } from '../open-account/account-opening';
import { CLOCK } from '../ports/clock.port';
import type { CreateStaffUserCommand } from './create-staff-user.command';

/** An admin makes an account for a concierge agent or another admin. */
@Injectable()
export class CreateStaffUserHandler {
  private readonly accounts: AccountOpening;

  constructor(
    @Inject(USER_REPOSITORY) users: UserRepository,
    @Inject(PASSWORD_HASHER) hasher: PasswordHasher,
    @Inject(CLOCK) clock: Clock,
  ) {
    this.accounts = new AccountOpening(users, hasher, clock);
  }

  async execute(command: CreateStaffUserCommand): Promise<User> {
    const role = Role.create(command.role);
    return this.accounts.open({ ...command, role }, User.createStaff);
  }
}
