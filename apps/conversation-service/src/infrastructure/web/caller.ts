import type { AuthenticatedUser } from '@ajla/auth';
import type { Caller } from '../../application/ports/caller';
import type { UserId } from '../../domain/ids';

/** The caller of a use case, from the verified access token. */
export function callerOf(user: AuthenticatedUser): Caller {
  return { id: user.id.toLowerCase() as UserId, role: user.role };
}
