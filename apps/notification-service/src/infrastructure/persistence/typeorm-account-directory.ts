import { Injectable } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import type { AccountDirectory, StaffMember } from '../../domain/account/account-directory.port';
import type { AccountRole } from '../../domain/account/account-role';
import type { UserId } from '../../domain/user-id';
import { DirectoryCache } from './directory-cache';

/**
 * Reads the account directory in `notifications.accounts`; `@ajla/account-directory` keeps it
 * from user events (the newest state of each account wins).
 */
@Injectable()
export class TypeOrmAccountDirectory implements AccountDirectory {
  constructor(
    private readonly unitOfWork: OutboxUnitOfWork,
    private readonly cache: DirectoryCache,
  ) {}

  /** Asked at every `request.submitted`: kept in memory between changes of roles. */
  currentStaff(): Promise<UserId[]> {
    return this.cache.get('staff', async () => {
      const rows: { user_id: string }[] = await this.unitOfWork.manager.query(
        `SELECT user_id FROM accounts WHERE role IN ('agent', 'admin') ORDER BY user_id`,
      );
      return rows.map((row) => row.user_id as UserId);
    });
  }

  async staffMembers(): Promise<StaffMember[]> {
    const rows: { user_id: string; role: AccountRole }[] = await this.unitOfWork.manager.query(
      `SELECT user_id, role FROM accounts WHERE role IN ('agent', 'admin') ORDER BY user_id`,
    );
    return rows.map((row) => ({ userId: row.user_id as UserId, role: row.role }));
  }
}
