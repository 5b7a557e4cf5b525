import { newId, RuleViolationError, type DomainEvent } from '@ajla/shared-kernel';
import type { UserId } from '../user-id';
import { Request } from './request.aggregate';
import { RequestAssigned } from './request-assigned.domain-event';
import { RequestDescription } from './request-description.value-object';
import { RequestStatusChanged } from './request-status-changed.domain-event';
import {
  REQUEST_STATUS_NAMES,
  RequestStatus,
  type RequestStatusName,
} from './request-status.value-object';
import { RequestSubmitted } from './request-submitted.domain-event';
import { RequestType } from './request-type.value-object';

const owner = newId<'UserId'>() as UserId;
const agent = newId<'UserId'>() as UserId;
const otherAgent = newId<'UserId'>() as UserId;
const staff = (id: UserId) => ({ id, isStaff: true });
const t0 = new Date('2025-03-01T10:00:00.000Z');
const t1 = new Date('2025-03-01T10:05:00.000Z');

function submitted(): Request {
  const request = Request.create(
    {
      userId: owner,
      type: RequestType.dining,
      description: RequestDescription.create('A table for two, Friday 8 pm 🌙'),
    },
    t0,
  );
  request.pullEvents();
  return request;
}

/** A stored request in `status`, assigned to `agent` unless it is new. */
function inStatus(status: RequestStatusName): Request {
  const request = submitted();
  return Request.restore(request.id, {
    userId: owner,
    type: request.type,
    description: request.description,
    status: RequestStatus.create(status),
    assigneeId: status === 'new' ? null : agent,
    conversationId: request.conversationId,
    createdAt: t0,
    updatedAt: t0,
  });
}

function refusal(change: () => void): { reason: string; message: string } {
  try {
    change();
  } catch (error) {
    expect(error).toBeInstanceOf(RuleViolationError);
    const violation = error as RuleViolationError;
    return { reason: violation.reason, message: violation.message };
  }
  throw new Error('the change was not refused');
}

describe('Request', () => {
  describe('create', () => {
    it('is new, unassigned, with a conversation id of its own, and records RequestSubmitted', () => {
      const request = Request.create(
        {
          userId: owner,
          type: RequestType.travel,
          description: RequestDescription.create('  Flights to Dubai  '),
        },
        t0,
      );
      expect(request.status.name).toBe('new');
      expect(request.assigneeId).toBeNull();
      expect(request.conversationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
      expect(request.conversationId).not.toBe(request.id);
      expect(request.createdAt).toEqual(t0);
      expect(request.updatedAt).toEqual(t0);
      const events = request.pullEvents();
      expect(events).toHaveLength(1);
      expect(events[0]).toBeInstanceOf(RequestSubmitted);
      expect(events[0]).toMatchObject({
        eventName: 'request.submitted',
        aggregateId: request.id,
        occurredAt: t0,
        payload: {
          userId: owner,
          type: 'travel',
          description: 'Flights to Dubai',
          status: 'new',
          conversationId: request.conversationId,
          createdAt: t0,
        },
      });
    });

    it('records nothing when restored', () => {
      expect(inStatus('assigned').pullEvents()).toEqual([]);
    });
  });

  describe('visibility', () => {
    it('shows a request to its client and to staff, to no other client', () => {
      const request = submitted();
      expect(request.isVisibleTo({ id: owner, isStaff: false })).toBe(true);
      expect(request.isVisibleTo({ id: agent, isStaff: true })).toBe(true);
      expect(request.isVisibleTo({ id: newId<'UserId'>() as UserId, isStaff: false })).toBe(false);
    });
  });

  describe('assign', () => {
    it('new → assigned, recording RequestAssigned without a previous assignee', () => {
      const request = submitted();
      request.assign(staff(agent), agent, t1);
      expect(request.status.name).toBe('assigned');
      expect(request.assigneeId).toBe(agent);
      expect(request.updatedAt).toEqual(t1);
      const [event] = request.pullEvents() as [DomainEvent];
      expect(event).toBeInstanceOf(RequestAssigned);
      expect(event.payload).toEqual({
        userId: owner,
        assigneeId: agent,
        assignedBy: agent,
        previousAssigneeId: null,
        status: 'assigned',
        conversationId: request.conversationId,
        updatedAt: t1,
      });
    });

    it.each(['assigned', 'in_progress'] as const)(
      're-assigns an %s request to another staff member, keeping its status',
      (status) => {
        const request = inStatus(status);
        request.assign(staff(otherAgent), agent, t1);
        expect(request.status.name).toBe(status);
        expect(request.assigneeId).toBe(otherAgent);
        expect(request.pullEvents()[0]!.payload).toMatchObject({
          assigneeId: otherAgent,
          assignedBy: agent,
          previousAssigneeId: agent,
          status,
        });
      },
    );

    it('changes nothing and records nothing when given to whoever has it', () => {
      const request = inStatus('assigned');
      request.assign(staff(agent), agent, t1);
      expect(request.updatedAt).toEqual(t0);
      expect(request.pullEvents()).toEqual([]);
    });

    it.each(['fulfilled', 'cancelled'] as const)('refuses to assign a %s request', (status) => {
      const request = inStatus(status);
      expect(refusal(() => request.assign(staff(otherAgent), agent, t1))).toEqual({
        reason: 'request_closed',
        message: `cannot assign a ${status} request`,
      });
      expect(request.assigneeId).toBe(agent);
      expect(request.pendingEvents).toHaveLength(0);
    });

    it('refuses an assignee who is not staff', () => {
      const request = submitted();
      const client = { id: newId<'UserId'>() as UserId, isStaff: false };
      expect(refusal(() => request.assign(client, agent, t1)).reason).toBe('assignee_not_staff');
      expect(request.status.name).toBe('new');
      expect(request.pendingEvents).toHaveLength(0);
    });
  });

  describe('changeStatus (staff)', () => {
    it.each([
      ['assigned', 'in_progress'],
      ['in_progress', 'fulfilled'],
    ] as const)('moves %s → %s, recording RequestStatusChanged', (from, to) => {
      const request = inStatus(from);
      request.changeStatus(RequestStatus.create(to), otherAgent, t1);
      expect(request.status.name).toBe(to);
      expect(request.updatedAt).toEqual(t1);
      const [event] = request.pullEvents() as [DomainEvent];
      expect(event).toBeInstanceOf(RequestStatusChanged);
      expect(event.payload).toEqual({
        userId: owner,
        from,
        to,
        changedBy: otherAgent,
        assigneeId: agent,
        conversationId: request.conversationId,
        updatedAt: t1,
      });
    });

    const allowed = new Set(['assigned>in_progress', 'in_progress>fulfilled']);
    const refused = REQUEST_STATUS_NAMES.flatMap((from) =>
      REQUEST_STATUS_NAMES.map((to) => [from, to] as const),
    ).filter(([from, to]) => !allowed.has(`${from}>${to}`));

    it.each(refused)('refuses %s → %s', (from, to) => {
      const request = inStatus(from);
      const { reason, message } = refusal(() =>
        request.changeStatus(RequestStatus.create(to), agent, t1),
      );
      if (to === 'cancelled' && !['fulfilled', 'cancelled'].includes(from)) {
        expect({ reason, message }).toEqual({
          reason: 'cancel_by_owner_only',
          message: 'only the client who submitted a request can cancel it',
        });
      } else if (from === 'new' && to === 'assigned') {
        expect(reason).toBe('assigned_by_assignment_only');
        expect(message).toMatch(/only by assigning it/);
      } else {
        expect({ reason, message }).toEqual({
          reason: 'transition_not_allowed',
          message: `cannot move a request from ${from} to ${to}`,
        });
      }
      expect(request.status.name).toBe(from);
      expect(request.updatedAt).toEqual(t0);
      expect(request.pendingEvents).toHaveLength(0);
    });

    it('says plainly why new → fulfilled is refused', () => {
      expect(
        refusal(() => submitted().changeStatus(RequestStatus.fulfilled, agent, t1)).message,
      ).toBe('cannot move a request from new to fulfilled');
    });
  });

  describe('cancel (the client)', () => {
    it.each(['new', 'assigned', 'in_progress'] as const)(
      'cancels a %s request, recording RequestStatusChanged',
      (from) => {
        const request = inStatus(from);
        request.cancel(owner, t1);
        expect(request.status.name).toBe('cancelled');
        expect(request.pullEvents()[0]!.payload).toMatchObject({
          from,
          to: 'cancelled',
          changedBy: owner,
          assigneeId: from === 'new' ? null : agent,
        });
      },
    );

    it.each(['fulfilled', 'cancelled'] as const)('refuses to cancel a %s request', (from) => {
      const request = inStatus(from);
      expect(refusal(() => request.cancel(owner, t1))).toEqual({
        reason: 'transition_not_allowed',
        message: `cannot move a request from ${from} to cancelled`,
      });
      expect(request.status.name).toBe(from);
      expect(request.pendingEvents).toHaveLength(0);
    });

    it('is refused to anyone but the client who submitted it', () => {
      const request = inStatus('assigned');
      expect(refusal(() => request.cancel(agent, t1)).reason).toBe('cancel_by_owner_only');
      expect(request.status.name).toBe('assigned');
    });
  });
});
