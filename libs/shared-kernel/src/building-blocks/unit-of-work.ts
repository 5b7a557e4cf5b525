/**
 * One database transaction around a piece of work, the application's port for it: every
 * repository call made inside `work` takes part in it, row locks taken there are held until it
 * ends, and the events of the aggregates saved there are written to the outbox in it. It commits
 * when `work` resolves and rolls back when it throws; inside another unit of work, it joins it.
 *
 * Each service binds it to `OutboxUnitOfWork` (`@ajla/messaging`) under a token of its own.
 */
export interface UnitOfWork {
  run<T>(work: () => Promise<T>): Promise<T>;
}
