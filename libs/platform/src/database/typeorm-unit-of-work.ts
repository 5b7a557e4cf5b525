import { AsyncLocalStorage } from 'node:async_hooks';
import type { AggregateRoot } from '@ajla/shared-kernel';
import type { DataSource, EntityManager } from 'typeorm';

/** An aggregate whatever its id and props: what a unit of work tracks. */
export type AnyAggregate = AggregateRoot<string, object>;

/**
 * Runs in the unit of work's transaction just before it commits, with the aggregates saved in it
 * (`track`), in the order they were first saved; only called when there is at least one. A service
 * pulls their events here and writes them to its outbox: a throw rolls everything back.
 */
export type BeforeCommit = (
  manager: EntityManager,
  saved: readonly AnyAggregate[],
) => Promise<void>;

export interface TypeOrmUnitOfWorkOptions {
  beforeCommit?: BeforeCommit;
}

interface Scope {
  manager: EntityManager;
  saved: AnyAggregate[];
}

/**
 * One database transaction around a piece of work, over TypeORM. `run` opens a transaction and
 * keeps its EntityManager in AsyncLocalStorage, where every repository finds it (`manager`), so
 * handlers need not pass it around; a `run` inside a `run` joins the outer transaction. `join`
 * does the same inside a transaction opened elsewhere (a consumed event's, with its inbox row).
 * Repositories hand it the aggregates they save (`track`); `beforeCommit` gets them before the
 * commit, in the same transaction.
 *
 * Not `@Injectable()`: a service builds it in a factory provider, with its own `beforeCommit`.
 */
export class TypeOrmUnitOfWork {
  private readonly current = new AsyncLocalStorage<Scope>();
  private readonly beforeCommit: BeforeCommit | undefined;

  constructor(
    private readonly dataSource: DataSource,
    options: TypeOrmUnitOfWorkOptions = {},
  ) {
    this.beforeCommit = options.beforeCommit;
  }

  /** Commits when `work` resolves, rolls back when it throws; inside another unit of work, joins it. */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore() !== undefined) return work();
    return this.dataSource.transaction((manager) => this.within(manager, work));
  }

  /**
   * Runs `work` in a transaction opened elsewhere: repositories use `manager`, and the aggregates
   * saved go through `beforeCommit` once `work` is done. The caller commits.
   */
  join<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('join needs an EntityManager of an open transaction');
    }
    return this.within(manager, work);
  }

  /** Registers an aggregate saved in this unit of work (once); `beforeCommit` will get it. */
  track(aggregate: AnyAggregate): void {
    const scope = this.current.getStore();
    if (scope === undefined) {
      throw new Error('an aggregate can only be saved inside a unit of work');
    }
    if (this.beforeCommit === undefined) {
      // Its events would be silently dropped.
      throw new Error('this unit of work has no beforeCommit to hand saved aggregates to');
    }
    if (!scope.saved.includes(aggregate)) scope.saved.push(aggregate);
  }

  /** The transaction's manager inside `run` or `join`, the pool's outside them. */
  get manager(): EntityManager {
    return this.current.getStore()?.manager ?? this.dataSource.manager;
  }

  get inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }

  private within<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
    const scope: Scope = { manager, saved: [] };
    return this.current.run(scope, async () => {
      const result = await work();
      if (this.beforeCommit !== undefined && scope.saved.length > 0) {
        await this.beforeCommit(manager, scope.saved);
      }
      return result;
    });
  }
}
