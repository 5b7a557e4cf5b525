import { randomUUID } from 'node:crypto';
import type { Logger } from '@nestjs/common';
import { PeriodicJob } from '@ajla/platform';
import { Counter, type Registry } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';

/** The longest error text kept on a row or logged. */
export const ERROR_TEXT_LENGTH = 500;

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

/** How one claimed row went, for `finish` and `afterBatch`. */
export interface RowOutcome<Row> {
  row: Row;
  /** Set when `run` threw. */
  failure?: AttemptFailure;
  failed: boolean;
  /** When its attempt ended. */
  at: Date;
}

/** One claim of a batch: its token, kept on the rows it took, and how long they are its own. */
export interface Lease {
  token: string;
  /** The rows are the claim's until now() + `ms`; after that another claim may take them. */
  ms: number;
}

export interface DueRowsWorkerOptions<Row extends DueRow> {
  /** Names the job in log lines, e.g. `Webhook sender`. */
  name: string;
  /** Names one row in log lines, e.g. `Webhook delivery`. */
  rowName: string;
  intervalMs: number;
  dataSource: DataSource;
  logger: Pick<Logger, 'error' | 'warn'>;
  /** Rows claimed per batch. Default 20. */
  batchSize?: number;
  /**
   * The longest the runs of one batch can take, side by side (from their timeouts). The lease is
   * twice that plus a minute.
   */
  batchTimeoutMs: number;
  /** The waits before each retry. */
  retryDelaysMs: readonly number[];
  /** Once they are used up: `repeat` the last one (a row is never dropped) or `give up`. */
  whenDelaysRunOut: 'repeat' | 'give up';
  /**
   * Takes at most `limit` rows, in a short transaction of its own: those due, and those whose
   * lease has expired (a claim whose process died), locked `FOR UPDATE SKIP LOCKED` while they are
   * marked `sending` with `lease.token` and a lease of `lease.ms`.
   */
  claim(manager: EntityManager, limit: number, lease: Lease): Promise<Row[]>;
  /** One row's work, with no transaction open (reads on the pool only); throws when it failed. */
  run(row: Row): Promise<void>;
  /**
   * Records the outcomes, in one short transaction, on the rows still held by `token` only (one
   * whose lease expired and that another claim took is that claim's); returns their ids.
   */
  finish(manager: EntityManager, token: string, outcomes: RowOutcome<Row>[]): Promise<string[]>;
  /**
   * After `finish`, in its transaction, with the outcomes it recorded; may return what to do once
   * it has committed.
   */
  afterBatch?(
    manager: EntityManager,
    outcomes: RowOutcome<Row>[],
  ): Promise<(() => void) | undefined>;
}

/**
 * Works off a table of due rows (the mail outbox, the webhook deliveries) with leases: every
 * `intervalMs`, batch by batch, it claims what is due in one short transaction (`FOR UPDATE SKIP
 * LOCKED`, so replicas share the work; the rows are marked `sending` with the claim's token until
 * the lease ends, so no other claim takes them meanwhile), commits, runs the rows side by side
 * with no transaction open and no row locked (one slow row delays its batch, not each row in
 * turn; one failure does not stop the others), then records the outcomes in a second short
 * transaction, each failed row rescheduled after the next delay of its back-off. A process that
 * dies between the claim and the finish leaves its rows `sending`: once their lease has expired
 * they are claimed again (at least once).
 */
export class DueRowsWorker<Row extends DueRow> {
  private readonly job: PeriodicJob;
  private readonly batchSize: number;
  readonly leaseMs: number;

  constructor(private readonly options: DueRowsWorkerOptions<Row>) {
    this.batchSize = options.batchSize ?? 20;
    this.leaseMs = options.batchTimeoutMs * 2 + 60_000;
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
      const claimed = await this.runBatch();
      if (claimed < this.batchSize) return;
    }
  }

  /** Claims one batch, runs it and records it; returns how many rows it claimed. */
  async runBatch(): Promise<number> {
    const lease: Lease = { token: randomUUID(), ms: this.leaseMs };
    const { dataSource } = this.options;
    const rows = await dataSource.transaction((manager) =>
      this.options.claim(manager, this.batchSize, lease),
    );
    if (rows.length === 0) return 0;
    const outcomes = await Promise.all(rows.map((row) => this.attempt(row)));
    let afterCommit: (() => void) | undefined;
    await dataSource.transaction(async (manager) => {
      const finished = new Set(await this.options.finish(manager, lease.token, outcomes));
      if (finished.size < outcomes.length) {
        this.options.logger.warn(
          `${this.options.name}: ${outcomes.length - finished.size} row(s) were no longer ` +
            `this claim's (its lease expired, or they were stopped); their outcome is not recorded`,
        );
      }
      const recorded = outcomes.filter(({ row }) => finished.has(row.id));
      afterCommit = await this.options.afterBatch?.(manager, recorded);
    });
    afterCommit?.();
    return rows.length;
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

  private async attempt(row: Row): Promise<RowOutcome<Row>> {
    try {
      await this.options.run(row);
      return { row, failed: false, at: new Date() };
    } catch (error) {
      const attempts = row.attempts + 1;
      const retryInMs = this.retryInMs(attempts);
      const message = errorText(error);
      // Only the row's id: what it carries (addresses, URLs with tokens) stays out of the logs.
      this.options.logger.warn(
        `${this.options.rowName} ${row.id} attempt ${attempts} failed: ${message}; ` +
          (retryInMs === undefined ? 'no retry left' : `next try in ${retryInMs} ms`),
      );
      return {
        row,
        failed: true,
        failure: { attempts, error, message, retryInMs },
        at: new Date(),
      };
    }
  }
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
