import { ValidationError, ValueObject } from '@ajla/shared-kernel';

export const REQUEST_STATUS_NAMES = [
  'new',
  'assigned',
  'in_progress',
  'fulfilled',
  'cancelled',
] as const;
export type RequestStatusName = (typeof REQUEST_STATUS_NAMES)[number];

/**
 * The only way each move of the lifecycle can be made:
 * - `assignment`: a staff member assigns the request (to themselves or to a colleague);
 * - `staff_status_change`: a staff member moves the work on;
 * - `owner_cancellation`: the client who submitted the request cancels it.
 */
export type StatusChangeWay = 'assignment' | 'staff_status_change' | 'owner_cancellation';

/**
 * The lifecycle of API.md: every allowed move, and how it is made. A move that is not listed here
 * (backwards, skipping a step, out of a closed request, to the same status) is never allowed.
 */
export const REQUEST_LIFECYCLE: Readonly<
  Record<RequestStatusName, Readonly<Partial<Record<RequestStatusName, StatusChangeWay>>>>
> = {
  new: { assigned: 'assignment', cancelled: 'owner_cancellation' },
  assigned: { in_progress: 'staff_status_change', cancelled: 'owner_cancellation' },
  in_progress: { fulfilled: 'staff_status_change', cancelled: 'owner_cancellation' },
  fulfilled: {},
  cancelled: {},
};

/** Where a request stands in its lifecycle. */
export class RequestStatus extends ValueObject<{ name: RequestStatusName }> {
  static readonly new = new RequestStatus('new');
  static readonly assigned = new RequestStatus('assigned');
  static readonly inProgress = new RequestStatus('in_progress');
  static readonly fulfilled = new RequestStatus('fulfilled');
  static readonly cancelled = new RequestStatus('cancelled');

  private constructor(name: RequestStatusName) {
    super({ name });
  }

  static create(raw: string): RequestStatus {
    switch (raw) {
      case 'new':
        return RequestStatus.new;
      case 'assigned':
        return RequestStatus.assigned;
      case 'in_progress':
        return RequestStatus.inProgress;
      case 'fulfilled':
        return RequestStatus.fulfilled;
      case 'cancelled':
        return RequestStatus.cancelled;
      default:
        throw new ValidationError(
          `status must be one of: ${REQUEST_STATUS_NAMES.join(', ')}`,
          'invalid_status',
        );
    }
  }

  get name(): RequestStatusName {
    return this.props.name;
  }

  /** How the move to `target` is made, or undefined when the lifecycle has no such move. */
  wayTo(target: RequestStatus): StatusChangeWay | undefined {
    return REQUEST_LIFECYCLE[this.props.name][target.name];
  }

  /** Fulfilled and cancelled requests are done with: nothing moves them any more. */
  get isClosed(): boolean {
    return this.props.name === 'fulfilled' || this.props.name === 'cancelled';
  }

  override toString(): string {
    return this.props.name;
  }
}
