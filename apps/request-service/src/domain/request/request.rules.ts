import type { BusinessRule } from '@ajla/shared-kernel';
import type { RequestStatus, StatusChangeWay } from './request-status.value-object';

/** Only the moves of the lifecycle table: no skipping, no going back, nothing out of a closed request. */
export class StatusChangeMustBeInTheLifecycle implements BusinessRule {
  readonly name = 'transition_not_allowed';
  readonly message: string;

  constructor(
    private readonly from: RequestStatus,
    private readonly to: RequestStatus,
  ) {
    this.message = `cannot move a request from ${from.name} to ${to.name}`;
  }

  isBroken(): boolean {
    return this.from.wayTo(this.to) === undefined;
  }
}

const WAY_REFUSALS: Record<StatusChangeWay, { name: string; message: string }> = {
  assignment: {
    name: 'assigned_by_assignment_only',
    message: 'a request becomes assigned only by assigning it to a staff member',
  },
  owner_cancellation: {
    name: 'cancel_by_owner_only',
    message: 'only the client who submitted a request can cancel it',
  },
  staff_status_change: {
    name: 'status_change_by_staff_only',
    message: 'only concierge staff move a request on',
  },
};

/**
 * A move of the lifecycle made the way the table says: staff cannot cancel (that is the client's
 * decision), and a request becomes assigned by being assigned to someone, not by a status change.
 */
export class StatusChangeMustBeMadeItsWay implements BusinessRule {
  readonly name: string;
  readonly message: string;
  private readonly required: StatusChangeWay | undefined;

  constructor(
    from: RequestStatus,
    to: RequestStatus,
    private readonly attempted: StatusChangeWay,
  ) {
    this.required = from.wayTo(to);
    const refusal = WAY_REFUSALS[this.required ?? attempted];
    this.name = refusal.name;
    this.message = refusal.message;
  }

  isBroken(): boolean {
    return this.required !== undefined && this.required !== this.attempted;
  }
}

/** The client's cancellation is the client's alone. */
export class OnlyTheOwnerCancels implements BusinessRule {
  readonly name = 'cancel_by_owner_only';
  readonly message = 'only the client who submitted a request can cancel it';

  constructor(private readonly isOwner: boolean) {}

  isBroken(): boolean {
    return !this.isOwner;
  }
}

/** A fulfilled or cancelled request is done with: nobody is assigned to it any more. */
export class ClosedRequestCannotBeAssigned implements BusinessRule {
  readonly name = 'request_closed';
  readonly message: string;

  constructor(private readonly status: RequestStatus) {
    this.message = `cannot assign a ${status.name} request`;
  }

  isBroken(): boolean {
    return this.status.isClosed;
  }
}

/** Requests are worked on by concierge staff (agents and admins), never by a client. */
export class AssigneeMustBeStaff implements BusinessRule {
  readonly name = 'assignee_not_staff';
  readonly message = 'a request can only be assigned to an agent or admin';

  constructor(private readonly isStaff: boolean) {}

  isBroken(): boolean {
    return !this.isStaff;
  }
}
