import { Injectable } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import type {
  AccountDirectory,
  AccountSnapshot,
  StaffMember,
} from '../../domain/account/account-directory.port';
import type { AccountRole } from '../../domain/account/account-role';
import type { UserId } from '../../domain/user-id';

/**
 * The account directory in `notifications.accounts`. Each write is one conditional statement, so
 * events about one account handled at the same moment (a consumer takes several at once) cannot
 * interleave: the newest state wins whatever the order they commit in.
 */
@Injectable()
export class TypeOrmAccountDirectory implements AccountDirectory {
  constructor(private readonly unitOfWork: OutboxUnitOfWork) {}

  async currentStaff(): Promise<UserId[]> {
    const rows: { user_id: string }[] = await this.unitOfWork.manager.query(
      `SELECT user_id FROM accounts WHERE role IN ('agent', 'admin') ORDER BY user_id`,
    );
    return rows.map((row) => row.user_id as UserId);
  }

  async staffMembers(): Promise<StaffMember[]> {
    const rows: { user_id: string; role: AccountRole }[] = await this.unitOfWork.manager.query(
      `SELECT user_id, role FROM accounts WHERE role IN ('agent', 'admin') ORDER BY user_id`,
    );
    return rows.map((row) => ({ userId: row.user_id as UserId, role: row.role }));
  }

  async record(snapshot: AccountSnapshot): Promise<boolean> {
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
