/**
 * One database transaction around a piece of work: every repository call made inside `work` takes
 * part in it, row locks taken there are held until it ends, and the events of the aggregates saved
 * there are written to the outbox in it. It commits when `work` resolves and rolls back when it
 * throws.
 */
export interface UnitOfWork {
  run<T>(work: () => Promise<T>): Promise<T>;
}

export const UNIT_OF_WORK = Symbol('UnitOfWork');
