export interface Sequenced {
  seq: number;
}

export interface SequenceCursorOptions<T extends Sequenced> {
  /** Stored items with `seq > afterSeq`, ascending, at most `limit`. */
  fetchAfter(afterSeq: number, limit: number): Promise<T[]>;
  /** Sends one item to the connection; called in seq order, each seq once. */
  deliver(item: T): void;
  onError(error: unknown): void;
  pageSize?: number;
}

/**
 * What one connection has been sent of one sequence (a conversation's messages, a person's
 * notifications): every item, in seq order, each once, from a starting point on. Live items (from
 * this replica or from Redis, in any order, some twice) are offered; one with the next seq is
 * delivered at once, an older one dropped, a newer one kept while the gap before it is filled from
 * the database.
 *
 * What it needs of the seqs: each is taken under a lock of its sequence (a row lock) held until
 * its commit, so every seq below one that was published is committed already, or never will be:
 * the gap is always in the database. A seq the database skips (a transaction that drew it rolled
 * back, a row deleted since) is passed over.
 *
 * The replay of a resume (`start(after_seq)`) is the same gap filling: live items arriving
 * meanwhile wait in the buffer and are delivered after the replay reached them, with no duplicate.
 */
export class SequenceCursor<T extends Sequenced> {
  /** The seq the connection gets next; undefined until started. */
  private next: number | undefined;
  private readonly waiting = new Map<number, T>();
  private filling = false;
  private stopped = false;
  private readonly pageSize: number;

  constructor(private readonly options: SequenceCursorOptions<T>) {
    this.pageSize = options.pageSize ?? 200;
  }

  /** Starts after `afterSeq`: every stored item with a greater seq is delivered first. */
  start(afterSeq: number): Promise<void> {
    this.next = afterSeq + 1;
    return this.fill();
  }

  /** A live item of the sequence. */
  offer(item: T): void {
    if (this.stopped) return;
    if (this.next !== undefined && item.seq < this.next) return;
    if (this.next !== undefined && !this.filling && item.seq === this.next) {
      this.emit(item);
      this.drain();
      return;
    }
    this.waiting.set(item.seq, item);
    if (this.filling) this.offeredWhileFetching = true;
    else if (this.next !== undefined) void this.fill();
  }

  stop(): void {
    this.stopped = true;
    this.waiting.clear();
  }

  /** The seq of the last item delivered (for tests and logs). */
  get lastDelivered(): number | undefined {
    return this.next === undefined ? undefined : this.next - 1;
  }

  private emit(item: T): void {
    this.options.deliver(item);
    this.next = item.seq + 1;
  }

  /** Delivers what waits in order from `next`, and forgets what is older. */
  private drain(): void {
    const next = () => this.next as number;
    for (const seq of this.waiting.keys()) if (seq < next()) this.waiting.delete(seq);
    for (let item = this.waiting.get(next()); item; item = this.waiting.get(next())) {
      this.waiting.delete(item.seq);
      this.emit(item);
    }
  }

  private async fill(): Promise<void> {
    if (this.filling || this.stopped) return;
    this.filling = true;
    try {
      for (;;) {
        this.drain();
        this.offeredWhileFetching = false;
        const from = this.next as number;
        const rows = await this.options.fetchAfter(from - 1, this.pageSize);
        if (this.stopped) return;
        // Stored rows come in seq order; one beyond `next` means the seqs between were never
        // committed (or were deleted): nothing else can take them.
        for (const row of rows) if (row.seq >= (this.next as number)) this.emit(row);
        this.drain();
        if (this.waiting.size === 0 && rows.length < this.pageSize) break;
        // Still waiting behind a gap: fetch again if this pass got somewhere or something new
        // arrived during the fetch (the gap may be committed now); otherwise the next offer will.
        const progressed = (this.next as number) > from;
        if (rows.length < this.pageSize && !progressed && !this.offeredWhileFetching) break;
      }
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.filling = false;
    }
  }

  private offeredWhileFetching = false;
}
