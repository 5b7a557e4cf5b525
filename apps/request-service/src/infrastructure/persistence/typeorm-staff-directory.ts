import { Injectable } from '@nestjs/common';
import { AccountOrmEntity } from '@ajla/account-directory';
import { OutboxUnitOfWork } from '@ajla/messaging';
import { isStaffRole, type AccountRole } from '../../domain/staff/account-role';
import type { AccountSnapshot, StaffDirectory } from '../../domain/staff/staff-directory.port';
import type { UserId } from '../../domain/user-id';

/**
 * Reads the staff directory in `requests.accounts`: every account it heard of, with the time of
 * its state (`@ajla/account-directory` keeps it from user events); only agent and admin rows are
 * staff.
 */
@Injectable()
export class TypeOrmStaffDirectory implements StaffDirectory {
  constructor(private readonly unitOfWork: OutboxUnitOfWork) {}

  async findStaff(userId: UserId): Promise<AccountSnapshot | undefined> {
    const row = await this.unitOfWork.manager.findOneBy(AccountOrmEntity, { userId });
    if (row === null || !isStaffRole(row.role as AccountRole)) return undefined;
    return {
      userId: row.userId as UserId,
      role: row.role as AccountRole,
      email: row.email,
      fullName: row.fullName,
      asOf: row.lastEventAt,
    };
  }
}
