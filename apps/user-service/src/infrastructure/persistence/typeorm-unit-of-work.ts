import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { UnitOfWork } from '../../application/ports/unit-of-work.port';

/**
 * The unit of work over TypeORM: `run` opens a transaction and keeps its EntityManager in
 * AsyncLocalStorage, where every repository finds it, so handlers need not pass it around.
 * A `run` inside a `run` joins the outer transaction.
 */
@Injectable()
export class TypeOrmUnitOfWork implements UnitOfWork {
  private readonly current = new AsyncLocalStorage<EntityManager>();

  constructor(private readonly dataSource: DataSource) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore() !== undefined) return work();
    return this.dataSource.transaction((manager) => this.current.run(manager, work));
  }

  /** The transaction's manager inside `run`, the pool's outside it. */
  get manager(): EntityManager {
    return this.current.getStore() ?? this.dataSource.manager;
  }

  get inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }
}
