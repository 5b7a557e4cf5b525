import { Inject, Injectable } from '@nestjs/common';
import { checkPaging, type Paged } from '@ajla/platform';
import { Role } from '../../domain/user/role.value-object';
import type { User } from '../../domain/user/user.aggregate';
import { USER_DIRECTORY, type UserDirectory } from '../../domain/user/user.repository.port';
import type { ListUsersQuery } from './list-users.query';

export type UserList = Paged<User>;

/** Accounts for the staff screens, newest first, optionally of one role. */
@Injectable()
export class ListUsersHandler {
  constructor(@Inject(USER_DIRECTORY) private readonly directory: UserDirectory) {}

  async execute(query: ListUsersQuery): Promise<UserList> {
    checkPaging(query);
    const role = query.role === undefined ? undefined : Role.create(query.role).name;
    const { items, total } = await this.directory.list({
      role,
      page: query.page,
      pageSize: query.pageSize,
    });
    return { items, total, page: query.page, pageSize: query.pageSize };
  }
}
