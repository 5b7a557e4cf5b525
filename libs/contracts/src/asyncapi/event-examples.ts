import type { EventData, RoutingKey } from '../catalog';

const user = '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a04';
const agent = '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a05';
const request = '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a03';
const conversation = '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a02';

/**
 * One example `data` of the current version of every event, shown in the AsyncAPI document.
 * Typed from the schemas, and the tests parse each one with its schema.
 */
export const EVENT_EXAMPLES: { readonly [K in RoutingKey]: EventData<K> } = {
  'user.registered': {
    user_id: user,
    email: 'ada@example.com',
    full_name: 'Ada Lovelace',
    role: 'user',
    tier: 5000,
    created_at: '2026-11-22T09:58:00.000Z',
  },
  'user.updated': {
    user_id: user,
    email: 'ada@example.com',
    full_name: 'Ada King',
    role: 'user',
    tier: 25000,
    updated_at: '2026-11-22T10:30:00.000Z',
    changed: ['full_name', 'tier'],
    notification_preferences: { email: { 'message.created': false } },
  },
  'user.snapshot_requested': { requested_by: 'request-service' },
  'user.snapshot': {
    user_id: agent,
    email: 'sara@ajla.example',
    full_name: 'Sara Haddad',
    role: 'agent',
    tier: 5000,
    as_of: '2026-11-20T08:00:00.000Z',
    requested_by: 'request-service',
  },
  'request.submitted': {
    request_id: request,
    user_id: user,
    type: 'dining',
    description: 'A table for two on Friday at eight, somewhere quiet.',
    status: 'new',
    conversation_id: conversation,
    created_at: '2026-11-22T10:00:00.000Z',
  },
  'request.assigned': {
    request_id: request,
    user_id: user,
    assignee_id: agent,
    assigned_by: agent,
    previous_assignee_id: null,
    status: 'assigned',
    conversation_id: conversation,
    updated_at: '2026-11-22T10:05:00.000Z',
  },
  'request.status_changed': {
    request_id: request,
    user_id: user,
    from: 'assigned',
    to: 'in_progress',
    changed_by: agent,
    assignee_id: agent,
    conversation_id: conversation,
    updated_at: '2026-11-22T10:06:00.000Z',
  },
  'conversation.started': {
    conversation_id: conversation,
    request_id: request,
    user_id: user,
    created_at: '2026-11-22T10:00:00.000Z',
  },
  'message.created': {
    message_id: '0192f0c4-1c2d-7e3f-8a4b-5c6d7e8f9a01',
    conversation_id: conversation,
    request_id: request,
    user_id: user,
    seq: 2,
    sender_id: agent,
    sender_type: 'admin',
    content: 'Booked: Friday 20:00, table by the window.',
    client_id: null,
    created_at: '2026-11-22T10:07:00.000Z',
  },
};
