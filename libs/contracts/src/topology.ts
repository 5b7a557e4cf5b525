import type { RoutingKey } from './catalog';

/**
 * Who consumes which events: for each consuming service, the routing keys its queue
 * `<service>.events` is bound to. The one list both the topology step
 * (`libs/messaging/src/declare-topology.ts`, run before any service starts) and each service's own
 * declaration at start read, so the two cannot drift. A service's handlers must take exactly
 * these keys (its consumer refuses to start otherwise). A new consumer, or a new key, goes here.
 */
export const EVENT_SUBSCRIPTIONS = {
  'request-service': ['user.registered', 'user.updated', 'user.snapshot'],
  'conversation-service': ['request.submitted'],
  'notification-service': [
    'request.submitted',
    'request.assigned',
    'request.status_changed',
    'message.created',
    'user.registered',
    'user.updated',
    'user.snapshot',
  ],
  'user-service': ['user.snapshot_requested'],
} as const satisfies Record<string, readonly RoutingKey[]>;

/** A service that consumes events. */
export type ConsumingService = keyof typeof EVENT_SUBSCRIPTIONS;

/** The routing keys `service`'s queue is bound to. */
export function subscriptionsOf(service: ConsumingService): readonly RoutingKey[] {
  return EVENT_SUBSCRIPTIONS[service];
}
