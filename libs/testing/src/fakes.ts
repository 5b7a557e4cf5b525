import type { Clock, UnitOfWork } from '@ajla/shared-kernel';

/** A clock that stands still until told to move: `now()` is a copy, so callers cannot shift it. */
export class FixedClock implements Clock {
  constructor(private current = new Date('2025-01-01T00:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

/** A service's `UnitOfWork` port for handler specs: runs the work, no transaction. */
export const immediateUnitOfWork: UnitOfWork = {
  run: (work) => work(),
};

/**
 * One page of already filtered and sorted `items` (`page` from 1), with the total, as an
 * in-memory repository's `list` answers; `copy` maps the items kept (a fake stores copies).
 */
export function pageSlice<T, R = T>(
  items: readonly T[],
  { page, pageSize }: { page: number; pageSize: number },
  copy: (item: T) => R = (item) => item as unknown as R,
): { items: R[]; total: number } {
  const start = (page - 1) * pageSize;
  return {
    items: items.slice(start, start + pageSize).map((item) => copy(item)),
    total: items.length,
  };
}
