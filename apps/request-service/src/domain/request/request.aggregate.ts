import { AggregateRoot, checkRule, newId } from '@ajla/shared-kernel';
import type { UserId } from '../user-id';
import { RequestAssigned } from './request-assigned.domain-event';
import type { RequestDescription } from './request-description.value-object';
import type { ConversationId, RequestId } from './request-id';
import { RequestStatusChanged } from './request-status-changed.domain-event';
import { RequestStatus, type StatusChangeWay } from './request-status.value-object';
import { RequestSubmitted } from './request-submitted.domain-event';
import type { RequestType } from './request-type.value-object';
import {
  AssigneeMustBeStaff,
  ClosedRequestCannotBeAssigned,
  OnlyTheOwnerCancels,
  StatusChangeMustBeInTheLifecycle,
  StatusChangeMustBeMadeItsWay,
} from './request.rules';

export interface RequestProps {
  /** The client who submitted it. */
  userId: UserId;
  type: RequestType;
  description: RequestDescription;
  status: RequestStatus;
  assigneeId: UserId | null;
  conversationId: ConversationId;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewRequest {
  userId: UserId;
  type: RequestType;
  description: RequestDescription;
}

/** Someone a request may be assigned to, and whether they are concierge staff as far as we know. */
export interface AssigneeCandidate {
  id: UserId;
  isStaff: boolean;
}

/** Who looks at a request. */
export interface Viewer {
  id: UserId;
  isStaff: boolean;
}

/** A concierge request: what a client asked for, who works on it, and where it stands. */
export class Request extends AggregateRoot<RequestId, RequestProps> {
  private constructor(id: RequestId, props: RequestProps) {
    super(id, props);
  }

  /**
   * A new request (status `new`, nobody assigned) with its conversation id chosen now, so the client
   * can use the conversation as soon as the request exists. Records `RequestSubmitted`.
   */
  static create(input: NewRequest, now: Date): Request {
    const request = new Request(newId<'RequestId'>(), {
      userId: input.userId,
      type: input.type,
      description: input.description,
      status: RequestStatus.new,
      assigneeId: null,
      conversationId: newId<'ConversationId'>(),
      createdAt: now,
      updatedAt: now,
    });
    request.record(
      new RequestSubmitted(
        request.id,
        {
          userId: input.userId,
          type: input.type.name,
          description: input.description.value,
          status: 'new',
          conversationId: request.conversationId,
          createdAt: now,
        },
        now,
      ),
    );
    return request;
  }

  /** Rebuilds a stored request; records nothing. */
  static restore(id: RequestId, props: RequestProps): Request {
    return new Request(id, { ...props });
  }

  get userId(): UserId {
    return this.props.userId;
  }
  get type(): RequestType {
    return this.props.type;
  }
  get description(): RequestDescription {
    return this.props.description;
  }
  get status(): RequestStatus {
    return this.props.status;
  }
  get assigneeId(): UserId | null {
    return this.props.assigneeId;
  }
  get conversationId(): ConversationId {
    return this.props.conversationId;
  }
  get createdAt(): Date {
    return this.props.createdAt;
  }
  get updatedAt(): Date {
    return this.props.updatedAt;
  }

  /** Its client and the concierge staff see a request; nobody else learns it exists. */
  isVisibleTo(viewer: Viewer): boolean {
    return viewer.isStaff || viewer.id === this.props.userId;
  }

  /**
   * Gives the request to a staff member. A new request becomes `assigned`; an assigned or
   * in-progress one changes hands and keeps its status. Assigning it to whoever has it already
   * changes nothing and records nothing (a repeated click is harmless).
   */
  assign(assignee: AssigneeCandidate, assignedBy: UserId, now: Date): void {
    checkRule(new ClosedRequestCannotBeAssigned(this.props.status));
    checkRule(new AssigneeMustBeStaff(assignee.isStaff));
    if (this.props.assigneeId === assignee.id) return;

    const previousAssigneeId = this.props.assigneeId;
    if (this.props.status.equals(RequestStatus.new)) {
      this.checkMove(RequestStatus.assigned, 'assignment');
      this.props.status = RequestStatus.assigned;
    }
    this.props.assigneeId = assignee.id;
    this.props.updatedAt = now;
    this.record(
      new RequestAssigned(
        this.id,
        {
          userId: this.props.userId,
          assigneeId: assignee.id,
          assignedBy,
          previousAssigneeId,
          status: this.props.status.name,
          conversationId: this.props.conversationId,
          updatedAt: now,
        },
        now,
      ),
    );
  }

  /** A staff member moves the work on: `assigned → in_progress`, `in_progress → fulfilled`. */
  changeStatus(target: RequestStatus, changedBy: UserId, now: Date): void {
    this.checkMove(target, 'staff_status_change');
    this.moveTo(target, changedBy, now);
  }

  /** The client withdraws the request, at any point before it is fulfilled. */
  cancel(cancelledBy: UserId, now: Date): void {
    this.checkMove(RequestStatus.cancelled, 'owner_cancellation');
    checkRule(new OnlyTheOwnerCancels(cancelledBy === this.props.userId));
    this.moveTo(RequestStatus.cancelled, cancelledBy, now);
  }

  private checkMove(target: RequestStatus, way: StatusChangeWay): void {
    checkRule(new StatusChangeMustBeInTheLifecycle(this.props.status, target));
    checkRule(new StatusChangeMustBeMadeItsWay(this.props.status, target, way));
  }

  private moveTo(target: RequestStatus, changedBy: UserId, now: Date): void {
    const from = this.props.status;
    this.props.status = target;
    this.props.updatedAt = now;
    this.record(
      new RequestStatusChanged(
        this.id,
        {
          userId: this.props.userId,
          from: from.name,
          to: target.name,
          changedBy,
          assigneeId: this.props.assigneeId,
          conversationId: this.props.conversationId,
          updatedAt: now,
        },
        now,
      ),
    );
  }
}
