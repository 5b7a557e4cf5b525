import type { EventEnvelope } from '@ajla/contracts';

/**
 * A service's answer, in memory and before any transaction, to whether an event of a key it
 * subscribes to can have any effect there. An event it ignores is acknowledged at once, without
 * an inbox row or a round trip to the database (outcome `ignored`). Answer true whenever unsure:
 * an event wrongly ignored is an effect lost, one wrongly kept only costs a transaction.
 * It may answer later (a promise) when the answer waits on something already under way in the
 * process (a write of the same thing by another path, say); the event is held meanwhile, and a
 * rejected answer counts as true. Answer synchronously whenever it can: most events should not
 * wait for anything.
 *
 * Optional: a service that wants one provides it under `EVENT_FILTER` anywhere in its app.
 */
export interface EventFilter {
  handles(event: EventEnvelope): boolean | Promise<boolean>;
}

export const EVENT_FILTER = Symbol('EventFilter');
