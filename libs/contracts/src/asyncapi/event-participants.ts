import type { RoutingKey } from '../catalog';

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
 * Who publishes and who consumes each event, for the AsyncAPI document. Written down here from
 * the services' outbox mappers and `EventHandler.routingKeys`; the one place to change when a
 * service starts or stops publishing or consuming an event (or to read the shared topology list
 * instead, once there is one).
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
      'request.submitted': 'request-service',
      'request.assigned': 'request-service',
      'request.status_changed': 'request-service',
      'conversation.started': 'conversation-service',
      'message.created': 'conversation-service',
    },
    consumers: [
      consumer('request-service', ['user.registered', 'user.updated']),
      consumer('conversation-service', ['request.submitted']),
    ],
  };
}
