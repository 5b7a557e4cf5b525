import type { AccountRole } from '../../domain/account/account-role';
import type { UserId } from '../../domain/user-id';

/** Who makes a call, as their access token says. */
export interface Caller {
  id: UserId;
  role: AccountRole;
}
