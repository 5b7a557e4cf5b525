export interface Sequenced {
  seq: number;
}

export interface MessageCursorOptions<M extends Sequenced> {
  /** Stored messages with `seq > afterSeq`, ascending, at most `limit`. */
  fetchAfter(afterSeq: number, limit: number): Promise<M[]>;
  /** Sends one message to the connection; called in seq order, each seq once. */
  deliver(message: M): void;
  onError(error: unknown): void;
  pageSize?: number;
}

/**
 * What one connection has been sent: every message of its conversation, in seq order, each once,
 * from a starting point on. Live messages (from this replica or from Redis, in any order, some
 * twice) are offered; one with the next seq is delivered at once, an older one dropped, a newer one
 * kept while the gap before it is filled from the database. Because a message's seq is taken under
 * the conversation's row lock, which is held until its commit, every seq below one that was
 * published is committed already: the gap is always in the database.
 *
 * The replay of a resume (`start(after_seq)`) is the same gap filling: live messages arriving
 * meanwhile wait in the buffer and are delivered after the replay reached them, with no duplicate.
 */
export class MessageCursor<M extends Sequenced> {
  /** The seq the connection gets next; undefined until started. */
  private next: number | undefined;
  private readonly waiting = new Map<number, M>();
  private filling = false;
  private stopped = false;
  private readonly pageSize: number;

  constructor(private readonly options: MessageCursorOptions<M>) {
    this.pageSize = options.pageSize ?? 200;
  }

  /** Starts after `afterSeq`: every stored message with a greater seq is delivered first. */
  start(afterSeq: number): Promise<void> {
    this.next = afterSeq + 1;
    return this.fill();
  }

  /** A live message of the conversation. */
  offer(message: M): void {
    if (this.stopped) return;
    if (this.next !== undefined && message.seq < this.next) return;
    if (this.next !== undefined && !this.filling && message.seq === this.next) {
      this.emit(message);
      this.drain();
      return;
    }
    this.waiting.set(message.seq, message);
    if (this.filling) this.offeredWhileFetching = true;
    else if (this.next !== undefined) void this.fill();
  }

  stop(): void {
    this.stopped = true;
    this.waiting.clear();
  }

  /** The seq of the last message delivered (for tests and logs). */
  get lastDelivered(): number | undefined {
    return this.next === undefined ? undefined : this.next - 1;
  }

  private emit(message: M): void {
    this.options.deliver(message);
    this.next = message.seq + 1;
  }

  /** Delivers what waits in order from `next`, and forgets what is older. */
  private drain(): void {
    const next = () => this.next as number;
    for (const seq of this.waiting.keys()) if (seq < next()) this.waiting.delete(seq);
    for (let message = this.waiting.get(next()); message; message = this.waiting.get(next())) {
      this.waiting.delete(message.seq);
      this.emit(message);
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
        for (const row of rows) {
          if (row.seq < (this.next as number)) continue;
          if (row.seq !== this.next) break; // not expected: seqs have no gaps
          this.emit(row);
        }
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
