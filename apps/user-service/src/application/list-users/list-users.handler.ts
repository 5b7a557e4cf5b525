import { Inject, Injectable } from '@nestjs/common';
import { ValidationError } from '@ajla/shared-kernel';
import { Role } from '../../domain/user/role.value-object';
import type { User } from '../../domain/user/user.aggregate';
import { USER_DIRECTORY, type UserDirectory } from '../../domain/user/user.repository.port';
import type { ListUsersQuery } from './list-users.query';

export const MAX_PAGE_SIZE = 100;

export interface UserList {
  items: User[];
  total: number;
  page: number;
  pageSize: number;
}

/** Accounts for the staff screens, newest first, optionally of one role. */
@Injectable()
export class ListUsersHandler {
  constructor(@Inject(USER_DIRECTORY) private readonly directory: UserDirectory) {}

  async execute(query: ListUsersQuery): Promise<UserList> {
    if (!Number.isInteger(query.page) || query.page < 1) {
      throw new ValidationError('page must be a whole number of at least 1', 'invalid_page');
    }
    if (!Number.isInteger(query.pageSize) || query.pageSize < 1 || query.pageSize > MAX_PAGE_SIZE) {
      throw new ValidationError(
        `page_size must be a whole number from 1 to ${MAX_PAGE_SIZE}`,
        'invalid_page_size',
      );
    }
    const role = query.role === undefined ? undefined : Role.create(query.role).name;
    const { items, total } = await this.directory.list({
      role,
      page: query.page,
      pageSize: query.pageSize,
    });
    return { items, total, page: query.page, pageSize: query.pageSize };
  }
}
