import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, Email, type Clock } from '@ajla/shared-kernel';
import { PASSWORD_HASHER, type PasswordHasher } from '../../domain/user/password-hasher.port';
import { Password } from '../../domain/user/password.value-object';
import { Role } from '../../domain/user/role.value-object';
import { User } from '../../domain/user/user.aggregate';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import { CLOCK } from '../ports/clock.port';
import type { CreateStaffUserCommand } from './create-staff-user.command';

/** An admin makes an account for a concierge agent or another admin. */
@Injectable()
export class CreateStaffUserHandler {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(PASSWORD_HASHER) private readonly hasher: PasswordHasher,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: CreateStaffUserCommand): Promise<User> {
    const email = Email.create(command.email);
    const password = Password.create(command.password);
    const role = Role.create(command.role);
    if (await this.users.findByEmail(email)) {
      throw new ConflictError('an account with this e-mail already exists', 'email_taken');
    }
    const user = User.createStaff(
      {
        email,
        passwordHash: await this.hasher.hash(password.value),
        fullName: command.fullName,
        role,
      },
      this.clock.now(),
    );
    await this.users.add(user);
    return user;
  }
}
