import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError, parseId, type Clock } from '@ajla/shared-kernel';
import { Role } from '../../domain/user/role.value-object';
import { Tier } from '../../domain/user/tier.value-object';
import type { User } from '../../domain/user/user.aggregate';
import type { UserId } from '../../domain/user/user-id';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import { CLOCK } from '../ports/clock.port';
import { REVOCATION_BROADCAST, type RevocationBroadcast } from '../ports/revocation-broadcast.port';
import type { ChangeUserAccessCommand } from './change-user-access.command';

/**
 * An admin changes an account's role or tier. Access tokens already handed out are taken with the
 * new role and tier everywhere within a second (the revocation broadcast); the next refresh
 * carries them in the token itself.
 */
@Injectable()
export class ChangeUserAccessHandler {
  constructor(
    @Inject(USER_REPOSITORY) private readonly users: UserRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REVOCATION_BROADCAST) private readonly revocations: RevocationBroadcast,
  ) {}

  async execute(command: ChangeUserAccessCommand): Promise<User> {
    const userId = parseId<'UserId'>(command.userId, 'id') as UserId;
    const role = command.role === undefined ? undefined : Role.create(command.role);
    const tier = command.tier === undefined ? undefined : Tier.create(command.tier);
    const user = await this.users.findById(userId);
    if (user === undefined) throw new NotFoundError('user not found', 'user_not_found');
    const now = this.clock.now();
    user.changeAccess({ role, tier }, command.changedBy, now);
    await this.users.update(user);
    // Tokens already handed out take the account's current role and tier from now on.
    await this.revocations.accessChanged({
      userId: user.id,
      role: user.role.name,
      tier: user.tier.level,
      changedAt: now,
    });
    return user;
  }
}
