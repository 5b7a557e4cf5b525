import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, type Clock } from '@ajla/shared-kernel';
import { Preferences } from '../../domain/user/preferences.value-object';
import type { User } from '../../domain/user/user.aggregate';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import { CLOCK } from '../ports/clock.port';
import type { UpdateProfileCommand } from './update-profile.command';

/** A client changes its name or preferences. */
@Injectable()
export class UpdateProfileHandler {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: UpdateProfileCommand): Promise<User> {
    const preferences =
      command.preferences === undefined ? undefined : Preferences.create(command.preferences);
    const user = await this.users.findById(command.userId);
    if (user === undefined) throw new NotFoundError('user not found', 'user_not_found');
    user.updateProfile({ fullName: command.fullName, preferences }, this.clock.now());
    await this.users.update(user);
    return user;
  }
}
