import type { EventEnvelope } from '@ajla/contracts';

/**
 * A service's answer, in memory and before any transaction, to whether an event of a key it
 * subscribes to can have any effect there. An event it ignores is acknowledged at once, without
 * an inbox row or a round trip to the database (outcome `ignored`). Answer true whenever unsure:
 * an event wrongly ignored is an effect lost, one wrongly kept only costs a transaction.
 *
 * Optional: a service that wants one provides it under `EVENT_FILTER` anywhere in its app.
 */
export interface EventFilter {
  handles(event: EventEnvelope): boolean;
}

export const EVENT_FILTER = Symbol('EventFilter');
