import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, parseId, type Clock } from '@ajla/shared-kernel';
import { Role } from '../../domain/user/role.value-object';
import { Tier } from '../../domain/user/tier.value-object';
import type { User } from '../../domain/user/user.aggregate';
import type { UserId } from '../../domain/user/user-id';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import { CLOCK } from '../ports/clock.port';
import type { ChangeUserAccessCommand } from './change-user-access.command';

/**
 * An admin changes an account's role or tier. Access tokens already handed out keep the old claims
 * until they expire (minutes); the next refresh carries the new ones.
 */
@Injectable()
export class ChangeUserAccessHandler {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(command: ChangeUserAccessCommand): Promise<User> {
    const userId = parseId<'UserId'>(command.userId, 'id') as UserId;
    const role = command.role === undefined ? undefined : Role.create(command.role);
    const tier = command.tier === undefined ? undefined : Tier.create(command.tier);
    const user = await this.users.findById(userId);
    if (user === undefined) throw new NotFoundError('user not found', 'user_not_found');
    user.changeAccess({ role, tier }, command.changedBy, this.clock.now());
    await this.users.update(user);
    return user;
  }
}
