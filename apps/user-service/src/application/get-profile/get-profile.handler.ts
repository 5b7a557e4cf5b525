import { Inject, Injectable } from '@nestjs/common';
import { NotFoundError } from '@ajla/shared-kernel';
import type { User } from '../../domain/user/user.aggregate';
import { USER_REPOSITORY, type UserRepository } from '../../domain/user/user.repository.port';
import type { GetProfileQuery } from './get-profile.query';

/** The caller's own account. */
@Injectable()
export class GetProfileHandler {
  constructor(@Inject(USER_REPOSITORY) private readonly users: UserRepository) {}

  async execute(query: GetProfileQuery): Promise<User> {
    const user = await this.users.findById(query.userId);
    if (user === undefined) throw new NotFoundError('user not found', 'user_not_found');
    return user;
  }
}
