import type { Logger } from '@nestjs/common';
import { PeriodicJob } from '@ajla/platform';
import { Counter, type Registry } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';

/** The longest error text kept on a row or logged. */
export const ERROR_TEXT_LENGTH = 500;

/**
 * What a row's work may do in the batch's transaction: queries, one at a time. The rows of a batch
 * run side by side on one connection, which takes one query at a time: the worker queues them.
 */
export type RowQueries = Pick<EntityManager, 'query'>;

/** What a worker needs of a claimed row: its id and how many attempts it has had. */
export interface DueRow {
  id: string;
  attempts: number;
}

/** A failed attempt, for the work to record. */
export interface AttemptFailure {
  /** Attempts so far, this one included. */
  attempts: number;
  /** What `run` threw. */
  error: unknown;
  /** Its message, cut to ERROR_TEXT_LENGTH. */
  message: string;
  /** When to try again; undefined: no retry left (the row has failed for good). */
  retryInMs: number | undefined;
}

/** How one claimed row went, for `afterBatch`. */
export interface RowOutcome<Row> {
  row: Row;
  failed: boolean;
  /** When its attempt ended. */
  at: Date;
}

export interface DueRowsWorkerOptions<Row extends DueRow> {
  /** Names the job in log lines, e.g. `Webhook sender`. */
  name: string;
  /** Names one row in log lines, e.g. `Webhook delivery`. */
  rowName: string;
  intervalMs: number;
  dataSource: DataSource;
  logger: Pick<Logger, 'error' | 'warn'>;
  /** Rows claimed per transaction: a short lock on few rows. Default 20. */
  batchSize?: number;
  /** The waits before each retry. */
  retryDelaysMs: readonly number[];
  /** Once they are used up: `repeat` the last one (a row is never dropped) or `give up`. */
  whenDelaysRunOut: 'repeat' | 'give up';
  /** The due rows, at most `limit`, locked `FOR UPDATE SKIP LOCKED` (replicas share the work). */
  claim(manager: EntityManager, limit: number): Promise<Row[]>;
  /** One row's work, recording its success in `manager`'s transaction; throws when it failed. */
  run(queries: RowQueries, row: Row): Promise<void>;
  /** Records a failed attempt: due again after `failure.retryInMs`, or failed for good. */
  recordFailure(queries: RowQueries, row: Row, failure: AttemptFailure): Promise<void>;
  /**
   * After every row of a batch, in its transaction; may return what to do once it has committed.
   */
  afterBatch?(
    manager: EntityManager,
    outcomes: RowOutcome<Row>[],
  ): Promise<(() => void) | undefined>;
}

/**
 * Works off a table of due rows (the mail outbox, the webhook deliveries): every `intervalMs` it
 * claims what is due, batch by batch, each batch in one transaction with `FOR UPDATE SKIP LOCKED`
 * (replicas share the work and never run one row twice at once), runs the rows side by side (one
 * slow row delays its batch, not each row in turn; one failure neither stops nor undoes the
 * others), and reschedules each failed one after the next delay of its back-off. A crash after
 * the work but before the commit runs it again: at least once.
 */
export class DueRowsWorker<Row extends DueRow> {
  private readonly job: PeriodicJob;
  private readonly batchSize: number;

  constructor(private readonly options: DueRowsWorkerOptions<Row>) {
    this.batchSize = options.batchSize ?? 20;
    this.job = new PeriodicJob({
      name: options.name,
      intervalMs: options.intervalMs,
      logger: options.logger,
      run: () => this.runDue(),
    });
  }

  start(): void {
    this.job.start();
  }

  stop(): Promise<void> {
    return this.job.stop();
  }

  /** Runs every row that is due now, batch by batch. */
  async runDue(): Promise<void> {
    for (;;) {
      let afterCommit: (() => void) | undefined;
      const claimed = await this.options.dataSource.transaction(async (manager) => {
        const rows = await this.options.claim(manager, this.batchSize);
        const queries = oneAtATime(manager);
        const outcomes = await Promise.all(rows.map((row) => this.attempt(queries, row)));
        afterCommit = await this.options.afterBatch?.(manager, outcomes);
        return rows.length;
      });
      afterCommit?.();
      if (claimed < this.batchSize) return;
    }
  }

  /** The delay before the next try after `attempts` failed ones; undefined: none left. */
  retryInMs(attempts: number): number | undefined {
    const delays = this.options.retryDelaysMs;
    if (this.options.whenDelaysRunOut === 'repeat') {
      return delays[Math.min(attempts, delays.length) - 1];
    }
    // The first try plus one retry per delay.
    return delays[attempts - 1];
  }

  private async attempt(queries: RowQueries, row: Row): Promise<RowOutcome<Row>> {
    try {
      await this.options.run(queries, row);
      return { row, failed: false, at: new Date() };
    } catch (error) {
      const attempts = row.attempts + 1;
      const retryInMs = this.retryInMs(attempts);
      const message = errorText(error);
      await this.options.recordFailure(queries, row, { attempts, error, message, retryInMs });
      // Only the row's id: what it carries (addresses, URLs with tokens) stays out of the logs.
      this.options.logger.warn(
        `${this.options.rowName} ${row.id} attempt ${attempts} failed: ${message}; ` +
          (retryInMs === undefined ? 'no retry left' : `next try in ${retryInMs} ms`),
      );
      return { row, failed: true, at: new Date() };
    }
  }
}

/** `manager`'s queries, each sent once the one before has been answered. */
function oneAtATime(manager: EntityManager): RowQueries {
  let last: Promise<unknown> = Promise.resolve();
  return {
    query: <T>(sql: string, parameters?: unknown[]): Promise<T> => {
      const next = last.then(() => manager.query<T>(sql, parameters));
      last = next.catch(() => undefined);
      return next;
    },
  } as RowQueries;
}

/** An error's message, cut to ERROR_TEXT_LENGTH. */
export function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, ERROR_TEXT_LENGTH);
}

/** A counter of a worker's outcomes on the service's registry (the one there if already made). */
export function outcomeCounter(
  registry: Registry | undefined,
  name: string,
  help: string,
): Counter<'outcome'> | undefined {
  if (registry === undefined) return undefined;
  return (
    (registry.getSingleMetric(name) as Counter<'outcome'> | undefined) ??
    new Counter({ name, help, labelNames: ['outcome'], registers: [registry] })
  );
}
