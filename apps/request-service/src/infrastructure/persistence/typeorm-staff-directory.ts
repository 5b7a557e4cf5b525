import { Injectable } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import { isStaffRole, type AccountRole } from '../../domain/staff/account-role';
import type { AccountSnapshot, StaffDirectory } from '../../domain/staff/staff-directory.port';
import type { UserId } from '../../domain/user-id';
import { AccountOrmEntity } from './account.orm-entity';

/**
 * The staff directory in `requests.accounts`: every account it heard of, with the time of its
 * state; only agent and admin rows are staff. Each write is one conditional statement, so
 * events about one account handled at the same moment (a consumer takes several at once) cannot
 * interleave: the newest state wins whatever the order they commit in.
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

  async record(snapshot: AccountSnapshot): Promise<boolean> {
    // Every role is stored, a client's too: its row and time are what keep an older "agent"
    // event, arriving after the demotion (or after the client's registration), from making the
    // account staff.
    const rows: unknown[] = await this.unitOfWork.manager.query(
      `INSERT INTO accounts AS a (user_id, role, email, full_name, last_event_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (user_id) DO UPDATE
         SET role = EXCLUDED.role, email = EXCLUDED.email, full_name = EXCLUDED.full_name,
             last_event_at = EXCLUDED.last_event_at, updated_at = now()
         WHERE a.last_event_at <= EXCLUDED.last_event_at
       RETURNING user_id`,
      [snapshot.userId, snapshot.role, snapshot.email, snapshot.fullName, snapshot.asOf],
    );
    return rows.length > 0;
  }
}
