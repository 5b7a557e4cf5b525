import type { EventData, RoutingKey } from '@ajla/contracts';
import type { AggregateRoot, DomainEvent } from '@ajla/shared-kernel';

/** An aggregate whatever its id and props: what a unit of work saves. */
export type AnyAggregate = AggregateRoot<string, object>;

/**
 * What a domain event becomes on the wire: one contract's routing key and data. The unit of work
 * wraps it in its envelope (id, version, producer, correlation id, the domain event's time).
 */
export type IntegrationEvent = {
  [K in RoutingKey]: { type: K; data: EventData<K> };
}[RoutingKey];

/**
 * A service's translation of the domain events its aggregates record into the versioned contracts
 * of `@ajla/contracts` (never domain classes on the wire). One per service, handed to its
 * `OutboxUnitOfWork`.
 */
export interface IntegrationEventMapper {
  /**
   * The integration event of `event`, recorded by `recordedBy` (as it is being saved: state a
   * contract carries beyond the event's payload is read from it). `undefined` when the event has
   * no contract: the unit of work then fails the transaction rather than lose the event.
   */
  toIntegrationEvent(event: DomainEvent, recordedBy: AnyAggregate): IntegrationEvent | undefined;
}
