export interface GroupCommitOptions {
  /** Batches written at the same time at most; what comes meanwhile waits for the next. */
  concurrency: number;
  /** Items per batch at most. */
  maxBatchSize: number;
}

/**
 * Writes submitted at about the same time go to the database together: one statement, one round
 * trip and one commit (one WAL flush) for the batch instead of one per item. An item submitted
 * while fewer than `concurrency` batches are being written leaves in the same turn of the event
 * loop (with whatever else was submitted in it); otherwise it joins the next batch, which leaves
 * as soon as one in progress is done. So the batches grow with the load and stay of one item when
 * the load is light: throughput without a timer's delay.
 *
 * `write` gets the items in the order they were submitted and settles each of them: its outcomes
 * are in the same order. If it throws, every item of the batch is rejected with that error.
 */
export class GroupCommit<Item, Result> {
  private queue: { item: Item; resolve: (r: Result) => void; reject: (e: unknown) => void }[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly write: (items: Item[]) => Promise<PromiseSettledResult<Result>[]>,
    private readonly options: GroupCommitOptions,
  ) {
    if (!(options.concurrency >= 1 && options.maxBatchSize >= 1)) {
      throw new Error('GroupCommit needs a concurrency and a maxBatchSize of at least 1');
    }
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.inFlight < this.options.concurrency && !this.scheduled) {
        // After the other callbacks of this turn: the items they submit join this batch.
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /** Items waiting for a batch (metrics, tests). */
  get waiting(): number {
    return this.queue.length;
  }

  private flush(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatchSize);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.flush();
      });
    }
  }

  private async run(batch: typeof this.queue): Promise<void> {
    let outcomes: PromiseSettledResult<Result>[];
    try {
      outcomes = await this.write(batch.map((entry) => entry.item));
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) {
        entry.reject(new Error('GroupCommit: the write settled fewer items than it was given'));
      } else if (outcome.status === 'fulfilled') {
        entry.resolve(outcome.value);
      } else {
        entry.reject(outcome.reason);
      }
    });
  }
}
