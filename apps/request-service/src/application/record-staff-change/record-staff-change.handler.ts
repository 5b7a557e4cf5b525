import { Inject, Injectable } from '@nestjs/common';
import { parseId, ValidationError } from '@ajla/shared-kernel';
import { ACCOUNT_ROLE_NAMES, type AccountRole } from '../../domain/staff/account-role';
import { STAFF_DIRECTORY, type StaffDirectory } from '../../domain/staff/staff-directory.port';
import type { UserId } from '../../domain/user-id';
import type { RecordStaffChangeCommand } from './record-staff-change.command';

/**
 * Keeps the staff directory up to date from user-service's events: new accounts, promotions,
 * demotions and name changes. Returns whether the directory changed (a stale event leaves it as it
 * is).
 */
@Injectable()
export class RecordStaffChangeHandler {
  constructor(@Inject(STAFF_DIRECTORY) private readonly directory: StaffDirectory) {}

  async execute(command: RecordStaffChangeCommand): Promise<boolean> {
    if (!(ACCOUNT_ROLE_NAMES as readonly string[]).includes(command.role)) {
      throw new ValidationError(`unknown role "${command.role}"`, 'invalid_role');
    }
    return this.directory.record({
      userId: parseId<'UserId'>(command.userId, 'user_id') as UserId,
      role: command.role as AccountRole,
      email: command.email,
      fullName: command.fullName,
      asOf: command.asOf,
    });
  }
}
