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
