import type { RequestStatus } from '../requests/use-requests';

/** A move staff make with `POST /admin/requests/{id}/status` (API.md, "Requests"). */
export interface StaffMove {
  readonly to: RequestStatus;
  /** Key of its button's label under `staff.moves`. */
  readonly label: 'startWork' | 'markFulfilled';
}

/**
 * The lifecycle as staff see it: `new → assigned` happens by assigning, `assigned → in_progress`
 * ("Start work") and `in_progress → fulfilled` ("Mark fulfilled") by a status change; cancelling
 * is the client's alone, and fulfilled or cancelled requests are closed. Anything else is a 409.
 */
const MOVES: Record<RequestStatus, readonly StaffMove[]> = {
  new: [],
  assigned: [{ to: 'in_progress', label: 'startWork' }],
  in_progress: [{ to: 'fulfilled', label: 'markFulfilled' }],
  fulfilled: [],
  cancelled: [],
};

export function staffMoves(status: RequestStatus): readonly StaffMove[] {
  return MOVES[status];
}

/** Whether a request can still be (re)assigned: any state but the closed ones. */
export function canAssign(status: RequestStatus): boolean {
  return status !== 'fulfilled' && status !== 'cancelled';
}
