import type { RoutingKey } from '@ajla/contracts';

/**
 * What a webhook can be subscribed to: the platform's activity this service consumes. The user.*
 * events it also reads are left out: they carry people's e-mail addresses and names, which no
 * third party needs.
 */
export const WEBHOOK_EVENTS = [
  'request.submitted',
  'request.assigned',
  'request.status_changed',
  'message.created',
] as const satisfies readonly RoutingKey[];

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Every event, present and future. */
export const ALL_EVENTS = '*';
