import { AsyncLocalStorage } from 'node:async_hooks';
import type { Provider } from '@nestjs/common';
import { createEnvelope, type EventEnvelope } from '@ajla/contracts';
import { currentRequestContext, PreparedStatement } from '@ajla/platform';
import type { UnitOfWork } from '@ajla/shared-kernel';
import { DataSource, type EntityManager } from 'typeorm';
import type { AnyAggregate, IntegrationEventMapper } from './integration-event-mapper';
import { messagingTables } from '../persistence/messaging-tables';
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

/** What a repository writes in `writeInOneStatement`: its CTEs, and the one that says it wrote. */
export interface OneStatementWrite {
  /**
   * One or more CTE definitions, `name AS (INSERT ... RETURNING ...), ...`, with parameters
   * `$1`..`$n` (`parameters`); unqualified table names are the service's schema.
   */
  with: string;
  /** The CTE whose rows mean "written": no row, no events stored. Its rows are returned. */
  guard: string;
  parameters: unknown[];
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
  /** `writeInOneStatement`'s statements, by text: each prepared once per connection. */
  private readonly statements = new Map<string, PreparedStatement>();

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

  /**
   * The unit of work's one-statement form, for hot paths: a repository's writes (`write`) and the
   * outbox rows of the events `aggregates` recorded in ONE statement. Outside `run` and `join` it
   * is autocommitted: one round trip and one commit where a transaction takes four, and this
   * replica's relay is woken in-process once it returns (`OutboxWriter.committed`, as the chat
   * append does; no NOTIFY to go through Postgres). Inside them it runs in their transaction, with
   * the NOTIFY that Postgres delivers at its commit. The events are stored only if `write.guard`
   * returned a row (an insert that found its row already there records nothing). The aggregates
   * must not be `track`ed as well. Returns `guard`'s rows.
   */
  async writeInOneStatement<Row extends Record<string, unknown>>(
    write: OneStatementWrite,
    aggregates: readonly AnyAggregate[],
  ): Promise<Row[]> {
    const rows = this.outbox.rows(aggregates.flatMap((a) => this.pullIntegrationEvents(a)));
    const tables = messagingTables(this.dataSource);
    const autocommitted = !this.inTransaction;
    const n = write.parameters.length;
    const events = `outbox_rows AS (
        INSERT INTO ${tables.outbox} (id, routing_key, envelope, headers)
        SELECT * FROM unnest($${n + 1}::uuid[], $${n + 2}::text[], $${n + 3}::json[], $${n + 4}::jsonb[])
         WHERE EXISTS (SELECT 1 FROM ${write.guard})
        RETURNING 1
      )`;
    const text = autocommitted
      ? `WITH ${write.with}, ${events} SELECT ${write.guard}.* FROM ${write.guard}`
      : `WITH ${write.with}, ${events},
          outbox_signal AS (SELECT pg_notify($${n + 5}, count(*)::text) FROM outbox_rows)
        SELECT ${write.guard}.* FROM ${write.guard}, outbox_signal`;
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = new PreparedStatement<Row>('unit_of_work_one_statement', text);
      this.statements.set(text, statement);
    }
    const values = [...write.parameters, rows.ids, rows.routingKeys, rows.envelopes, rows.headers];
    if (!autocommitted) values.push(tables.notifyChannel);
    const written = (await statement.run(this.manager, values)) as Row[];
    if (autocommitted && written.length > 0 && rows.ids.length > 0) this.outbox.committed();
    return written;
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
