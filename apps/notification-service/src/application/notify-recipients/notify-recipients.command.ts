import type { EventEnvelope } from '@ajla/contracts';

/** The events that notify someone. */
export type NotifyingEventType =
  'request.submitted' | 'request.assigned' | 'request.status_changed' | 'message.created';

/** One event of another service, as consumed (already checked against its contract). */
export type NotifyRecipientsCommand = EventEnvelope<NotifyingEventType>;
