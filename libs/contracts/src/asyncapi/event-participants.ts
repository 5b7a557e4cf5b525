import type { RoutingKey } from '../catalog';
import { EVENT_SUBSCRIPTIONS } from '../topology';

/** A service that consumes events: its queue and the routing keys bound to it. */
export interface EventConsumer {
  readonly service: string;
  /** `<service>.events` (with `.retry.<ms>` delay queues and a `.dlq` beside it). */
  readonly queue: string;
  readonly routingKeys: readonly RoutingKey[];
}

export interface EventParticipants {
  /** The service that publishes each event (the envelope's `producer`). */
  readonly producers: Readonly<Record<RoutingKey, string>>;
  readonly consumers: readonly EventConsumer[];
}

/**
 * Who publishes and who consumes each event, for the AsyncAPI document. The consumers are the
 * topology's own list (`EVENT_SUBSCRIPTIONS`, which the services bind their queues from); the
 * producers are written down here from the services' integration-event mappers.
 */
export function eventParticipants(): EventParticipants {
  const consumer = (service: string, routingKeys: readonly RoutingKey[]): EventConsumer => ({
    service,
    queue: `${service}.events`,
    routingKeys,
  });
  return {
    producers: {
      'user.registered': 'user-service',
      'user.updated': 'user-service',
      // Any service with a copy of the staff asks (request-service, notification-service); one is named.
      'user.snapshot_requested': 'request-service',
      'user.snapshot': 'user-service',
      'request.submitted': 'request-service',
      'request.assigned': 'request-service',
      'request.status_changed': 'request-service',
      'conversation.started': 'conversation-service',
      'message.created': 'conversation-service',
    },
    consumers: Object.entries(EVENT_SUBSCRIPTIONS).map(([service, routingKeys]) =>
      consumer(service, routingKeys),
    ),
  };
}
