import { z } from 'zod';
import { REQUEST_STATUSES, REQUEST_TYPES, text, utcTime, uuid } from '../common';

const status = z.enum(REQUEST_STATUSES);

/** `request.submitted` v1: a client submitted a concierge request (status `new`). */
export const RequestSubmittedV1 = z
  .object({
    request_id: uuid(),
    user_id: uuid(),
    type: z.enum(REQUEST_TYPES),
    description: text(1, 5000),
    status: z.literal('new'),
    conversation_id: uuid(),
    created_at: utcTime(),
  })
  .meta({ description: 'A client submitted a concierge request (status `new`).' });
export type RequestSubmittedV1 = z.infer<typeof RequestSubmittedV1>;

/** `request.assigned` v1: a request got an assignee (claimed by an agent, or assigned by staff). */
export const RequestAssignedV1 = z
  .object({
    request_id: uuid(),
    user_id: uuid(),
    assignee_id: uuid(),
    assigned_by: uuid(),
    previous_assignee_id: uuid().nullable(),
    status,
    conversation_id: uuid(),
    updated_at: utcTime(),
  })
  .meta({
    description: 'A request got an assignee (claimed by an agent, or assigned by staff).',
  });
export type RequestAssignedV1 = z.infer<typeof RequestAssignedV1>;

/** `request.status_changed` v1: a request moved through its lifecycle (or was cancelled). */
export const RequestStatusChangedV1 = z
  .object({
    request_id: uuid(),
    user_id: uuid(),
    from: status,
    to: status,
    changed_by: uuid(),
    assignee_id: uuid().nullable(),
    conversation_id: uuid(),
    updated_at: utcTime(),
  })
  .meta({ description: 'A request moved through its lifecycle (or was cancelled).' });
export type RequestStatusChangedV1 = z.infer<typeof RequestStatusChangedV1>;
