// Events as the other services publish them, for integration and fault specs.
import { createEnvelope } from '@ajla/contracts';
import { newId } from '@ajla/shared-kernel';

/** A client's dining request, submitted (a fresh event id and request each time). */
export const submittedEvent = (clientId: string = newId()) =>
  createEnvelope(
    'request.submitted',
    {
      request_id: newId(),
      user_id: clientId,
      type: 'dining',
      description: 'A table for two',
      status: 'new',
      conversation_id: newId(),
      created_at: '2026-11-22T10:00:00.000Z',
    },
    { producer: 'request-service' },
  );

/** A message the client wrote in their request's conversation (it tells nobody in the app). */
export const clientMessageEvent = (clientId: string = newId()) =>
  createEnvelope(
    'message.created',
    {
      message_id: newId(),
      conversation_id: newId(),
      request_id: newId(),
      user_id: clientId,
      seq: 2,
      sender_id: clientId,
      sender_type: 'user',
      content: 'Could it be a table by the window?',
      client_id: null,
      created_at: '2026-11-22T10:01:00.000Z',
    },
    { producer: 'conversation-service' },
  );
