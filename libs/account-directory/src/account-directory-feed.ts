import { Injectable, Logger, type Provider } from '@nestjs/common';
import { askForSnapshotsOnStart } from '@ajla/messaging';
import type { EntityManager } from 'typeorm';
import { accountStateOf, type AccountState, type UserAccountEvent } from './account-state';

/**
 * Takes in an account's state when it is newer than (or as new as) what `accounts` holds, whatever
 * the role. One conditional statement, so states of one account recorded at the same moment (a
 * consumer takes several events at once) cannot interleave: the newest wins whatever the order
 * they commit in, and a redelivered or late event never undoes a later change. Returns whether the
 * row changed.
 */
export async function recordAccountState(
  manager: EntityManager,
  state: AccountState,
): Promise<boolean> {
  const rows: unknown[] = await manager.query(
    `INSERT INTO accounts AS a (user_id, role, email, full_name, last_event_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (user_id) DO UPDATE
       SET role = EXCLUDED.role, email = EXCLUDED.email, full_name = EXCLUDED.full_name,
           last_event_at = EXCLUDED.last_event_at, updated_at = now()
       WHERE a.last_event_at <= EXCLUDED.last_event_at
     RETURNING user_id`,
    [state.userId, state.role, state.email, state.fullName, state.asOf],
  );
  return rows.length > 0;
}

/**
 * Keeps a service's account directory (its `accounts` table) from user-service's events: what the
 * service's `user.registered`, `user.updated` and `user.snapshot` handler calls, in the consumer's
 * transaction (`context.transaction`), so the row and the event's inbox row commit together.
 */
@Injectable()
export class AccountDirectoryFeed {
  private readonly logger = new Logger('AccountDirectory');

  async record(transaction: EntityManager, event: UserAccountEvent): Promise<boolean> {
    const state = accountStateOf(event);
    const changed = await recordAccountState(transaction, state);
    if (changed) {
      this.logger.log(
        `account directory: ${state.userId} is ${state.role} (${event.type} ${event.id})`,
      );
    }
    return changed;
  }
}

/**
 * The snapshot a service with an account directory asks for once, at its first start, to know the
 * staff who existed before its queue did (answered with `user.snapshot` events).
 */
export const STAFF_SNAPSHOT = ['user.snapshot_requested'] as const;

/**
 * What a service with an account directory provides: the feed its user-events handler calls, and
 * the request for the staff snapshot at first start (needs `MessagingModule` and the
 * `snapshot_requests` table of `@ajla/messaging`).
 */
export function accountDirectoryProviders(serviceName: string): Provider[] {
  return [AccountDirectoryFeed, ...askForSnapshotsOnStart(serviceName, STAFF_SNAPSHOT)];
}
