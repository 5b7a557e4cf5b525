import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { OutboxWriter } from '@ajla/messaging';
import type { AggregateRoot } from '@ajla/shared-kernel';
import { DataSource, EntityManager } from 'typeorm';
import type { UnitOfWork } from '../../application/ports/unit-of-work.port';
import { toIntegrationEvent } from '../messaging/request-integration-events';

interface Scope {
  manager: EntityManager;
  /** Aggregates saved in this unit of work, whose events go to the outbox before it commits. */
  saved: AggregateRoot<string, object>[];
}

/**
 * The unit of work over TypeORM: `run` opens a transaction and keeps its EntityManager in
 * AsyncLocalStorage, where every repository finds it. Repositories hand it the aggregates they save
 * (`track`); before the commit it pulls their events and appends them to the outbox in the same
 * transaction, so a request and its events are stored together or not at all.
 * A `run` inside a `run` joins the outer transaction.
 */
@Injectable()
export class TypeOrmUnitOfWork implements UnitOfWork {
  private readonly current = new AsyncLocalStorage<Scope>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
  ) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore() !== undefined) return work();
    return this.dataSource.transaction((manager) => this.within(manager, work));
  }

  /**
   * Runs `work` inside a transaction opened elsewhere (a consumed event's, with its inbox row):
   * repositories use it, and events of saved aggregates join its outbox.
   */
  join<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('join needs an EntityManager of an open transaction');
    }
    return this.within(manager, work);
  }

  /** Registers an aggregate saved in this unit of work; its events are written before the commit. */
  track(aggregate: AggregateRoot<string, object>): void {
    const scope = this.current.getStore();
    if (scope === undefined) {
      throw new Error('an aggregate can only be saved inside a unit of work');
    }
    if (!scope.saved.includes(aggregate)) scope.saved.push(aggregate);
  }

  /** The transaction's manager inside `run`, the pool's outside it. */
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
      const envelopes = scope.saved.flatMap((aggregate) =>
        aggregate.pullEvents().map(toIntegrationEvent),
      );
      if (envelopes.length > 0) await this.outbox.append(manager, envelopes);
      return result;
    });
  }
}
