import { Injectable } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import { isStaffRole } from '../../domain/staff/account-role';
import type { AccountSnapshot, StaffDirectory } from '../../domain/staff/staff-directory.port';
import type { UserId } from '../../domain/user-id';

/**
 * The staff directory in `notifications.staff_members`. Each write is one conditional statement, so
 * events about one account handled at the same moment (a consumer takes several at once) cannot
 * interleave: the newest state wins whatever the order they commit in.
 */
@Injectable()
export class TypeOrmStaffDirectory implements StaffDirectory {
  constructor(private readonly unitOfWork: OutboxUnitOfWork) {}

  async currentStaff(): Promise<UserId[]> {
    const rows: { user_id: string }[] = await this.unitOfWork.manager.query(
      `SELECT user_id FROM staff_members WHERE role IN ('agent', 'admin') ORDER BY user_id`,
    );
    return rows.map((row) => row.user_id as UserId);
  }

  async record(snapshot: AccountSnapshot): Promise<boolean> {
    const manager = this.unitOfWork.manager;
    const values = [
      snapshot.userId,
      snapshot.role,
      snapshot.email,
      snapshot.fullName,
      snapshot.asOf,
    ];
    // A client is never added; it only replaces a staff entry (a demotion), kept as a tombstone
    // with its time so that an older "agent" event arriving late cannot bring the rights back.
    const rows: unknown[] = isStaffRole(snapshot.role)
      ? await manager.query(
          `INSERT INTO staff_members AS s (user_id, role, email, full_name, last_event_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, now())
           ON CONFLICT (user_id) DO UPDATE
             SET role = EXCLUDED.role, email = EXCLUDED.email, full_name = EXCLUDED.full_name,
                 last_event_at = EXCLUDED.last_event_at, updated_at = now()
             WHERE s.last_event_at <= EXCLUDED.last_event_at
           RETURNING user_id`,
          values,
        )
      : await manager.query(
          `UPDATE staff_members
             SET role = $2, email = $3, full_name = $4, last_event_at = $5, updated_at = now()
           WHERE user_id = $1 AND last_event_at <= $5
           RETURNING user_id`,
          values,
        );
    return normaliseRows(rows).length > 0;
  }
}

// TypeORM answers an UPDATE ... RETURNING with [rows, affected] and an INSERT with the rows.
function normaliseRows(result: unknown[]): unknown[] {
  return Array.isArray(result[0]) ? (result[0] as unknown[]) : result;
}
