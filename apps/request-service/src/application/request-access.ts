import { ForbiddenError, isId, NotFoundError } from '@ajla/shared-kernel';
import type { RequestId } from '../domain/request/request-id';
import { isStaff, type Caller } from './ports/caller';

/**
 * The one answer for a request the caller may not see, for one that does not exist and for an id
 * that is not even a UUID: nobody can probe which ids exist.
 */
export function requestNotFound(): NotFoundError {
  return new NotFoundError('request not found', 'request_not_found');
}

/** A request id from a path; a malformed one names no request, so it is not found either. */
export function parseRequestId(raw: string): RequestId {
  if (!isId(raw)) throw requestNotFound();
  return raw.toLowerCase() as RequestId;
}

/** Staff work (queue, assignment, status) is for agents and admins only. */
export function mustBeStaff(caller: Caller): void {
  if (!isStaff(caller)) {
    throw new ForbiddenError('Only agent or admin may do this', 'role_not_allowed');
  }
}

/** Submitting, listing one's own and cancelling requests is what clients do. */
export function mustBeClient(caller: Caller): void {
  if (isStaff(caller)) {
    throw new ForbiddenError('Only user may do this', 'role_not_allowed');
  }
}
