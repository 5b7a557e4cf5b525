import type { AuthenticatedUser } from '@ajla/auth';
import { ValidationError } from '@ajla/shared-kernel';
import type { Caller } from '../../application/ports/caller';
import type { UserId } from '../../domain/user-id';

/** The caller of a use case, from the verified access token. */
export function callerOf(user: AuthenticatedUser): Caller {
  return { id: user.id.toLowerCase() as UserId, role: user.role };
}

/** For a route that takes no body: any field in one is refused like an unknown field anywhere. */
export function refuseBodyFields(body: unknown): void {
  if (body === undefined || body === null) return;
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationError('this request takes no body');
  }
  const fields = Object.keys(body);
  if (fields.length > 0) {
    throw new ValidationError(
      fields.map((field) => `property ${field} should not exist`).join('; '),
    );
  }
}
