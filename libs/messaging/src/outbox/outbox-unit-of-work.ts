import { AsyncLocalStorage } from 'node:async_hooks';
import type { Provider } from '@nestjs/common';
import { createEnvelope, type EventEnvelope } from '@ajla/contracts';
import { currentRequestContext } from '@ajla/platform';
import type { UnitOfWork } from '@ajla/shared-kernel';
import { DataSource, type EntityManager } from 'typeorm';
import type { AnyAggregate, IntegrationEventMapper } from './integration-event-mapper';
import { OutboxWriter } from './outbox-writer';

export interface OutboxUnitOfWorkOptions {
  /** `producer` of every event written, e.g. `request-service`. */
  producer: string;
  /** The service's one translation of its domain events into contracts. */
  events: IntegrationEventMapper;
}

interface Scope {
  manager: EntityManager;
  saved: AnyAggregate[];
}

/**
 * The one way a service writes events: one database transaction around a piece of work, in which
 * the aggregates saved and the events they recorded are stored together or not at all.
 *
 * `run` opens a transaction and keeps its EntityManager in AsyncLocalStorage, where every
 * repository finds it (`manager`), so handlers need not pass it around; a `run` inside a `run`
 * joins the outer transaction. `join` does the same inside a transaction opened elsewhere (a
 * consumed event's, with its inbox row). Repositories hand it the aggregates they save (`track`);
 * once the work is done, it pulls their recorded events, maps them through the service's
 * `IntegrationEventMapper` and appends them to the outbox (`OutboxWriter`) in that transaction.
 * The append's NOTIFY is delivered by Postgres at the commit, and only then: that wakes the relay
 * of every replica, also when the commit is a consumer's.
 *
 * Not `@Injectable()`: a service binds it with `outboxUnitOfWorkProvider`, with its own mapper.
 */
export class OutboxUnitOfWork implements UnitOfWork {
  private readonly current = new AsyncLocalStorage<Scope>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly options: OutboxUnitOfWorkOptions,
  ) {}

  /** Commits when `work` resolves, rolls back when it throws; inside another unit of work, joins it. */
  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore() !== undefined) return work();
    return this.dataSource.transaction((manager) => this.within(manager, work));
  }

  /**
   * Runs `work` in a transaction opened elsewhere: repositories use `manager`, and the events of
   * the aggregates saved go to the outbox once `work` is done. The caller commits.
   */
  join<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('join needs an EntityManager of an open transaction');
    }
    return this.within(manager, work);
  }

  /** Registers an aggregate saved in this unit of work (once): its events go to the outbox. */
  track(aggregate: AnyAggregate): void {
    const scope = this.current.getStore();
    if (scope === undefined) {
      // Its events would be lost: a repository saves in `run`, which joins the caller's.
      throw new Error('an aggregate can only be saved inside a unit of work');
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

  /** The envelopes of the events `aggregate` recorded, which it forgets. Throws for an event without a contract. */
  private pullIntegrationEvents(aggregate: AnyAggregate): EventEnvelope[] {
    const correlationId = currentRequestContext()?.correlationId ?? null;
    const envelopes = aggregate.pendingEvents.map((event) => {
      const integration = this.options.events.toIntegrationEvent(event, aggregate);
      if (integration === undefined) {
        // A new domain event without a contract is a bug: fail the transaction, not lose it.
        throw new Error(`no integration event for domain event ${event.eventName}`);
      }
      return createEnvelope(integration.type, integration.data, {
        producer: this.options.producer,
        correlationId,
        occurredAt: event.occurredAt,
      });
    });
    aggregate.pullEvents();
    return envelopes;
  }

  private within<T>(manager: EntityManager, work: () => Promise<T>): Promise<T> {
    const scope: Scope = { manager, saved: [] };
    return this.current.run(scope, async () => {
      const result = await work();
      const envelopes = scope.saved.flatMap((aggregate) => this.pullIntegrationEvents(aggregate));
      await this.outbox.append(manager, envelopes);
      return result;
    });
  }
}

/**
 * Binds `OutboxUnitOfWork` with the service's producer name and mapper (the service then binds
 * its `UNIT_OF_WORK` port to it: `{ provide: UNIT_OF_WORK, useExisting: OutboxUnitOfWork }`).
 */
export function outboxUnitOfWorkProvider(options: OutboxUnitOfWorkOptions): Provider {
  return {
    provide: OutboxUnitOfWork,
    inject: [DataSource, OutboxWriter],
    useFactory: (dataSource: DataSource, outbox: OutboxWriter) =>
      new OutboxUnitOfWork(dataSource, outbox, options),
  };
}
