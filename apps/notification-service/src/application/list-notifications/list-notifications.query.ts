import type { PageRequest } from '@ajla/platform';
import type { Caller } from '../ports/caller';

export interface ListNotificationsQuery extends PageRequest {
  caller: Caller;
  /** Only the notifications not read yet. */
  unreadOnly: boolean;
}
