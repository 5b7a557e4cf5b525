import { Inject, Injectable } from '@nestjs/common';
import { parseId, ValidationError } from '@ajla/shared-kernel';
import {
  ACCOUNT_DIRECTORY,
  type AccountDirectory,
} from '../../domain/account/account-directory.port';
import { ACCOUNT_ROLE_NAMES, type AccountRole } from '../../domain/account/account-role';
import type { UserId } from '../../domain/user-id';
import type { RecordAccountChangeCommand } from './record-account-change.command';

/**
 * Keeps the account directory up to date from user-service's events: registrations, promotions,
 * demotions, name changes. Returns whether the directory changed (a stale event leaves it as it is).
 */
@Injectable()
export class RecordAccountChangeHandler {
  constructor(@Inject(ACCOUNT_DIRECTORY) private readonly directory: AccountDirectory) {}

  async execute(command: RecordAccountChangeCommand): Promise<boolean> {
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
