import type { EventEnvelope, RoutingKey } from '@ajla/contracts';
import type { EntityManager } from 'typeorm';

/**
 * Reacts to events of some routing keys. `handle` runs inside the transaction that also records
 * the event in the inbox: make every database change through `tx`, so the effects and "handled"
 * commit together and a redelivery has no second effect. Throwing rolls everything back and the
 * message is retried with back-off, then dead-lettered.
 *
 * Register it as a Nest provider and list it in `MessagingModule.forRoot({ handlers })`.
 */
export interface EventHandler<K extends RoutingKey = RoutingKey> {
  readonly routingKeys: readonly K[];
  handle(event: EventEnvelope<K>, tx: EntityManager): Promise<void>;
}
