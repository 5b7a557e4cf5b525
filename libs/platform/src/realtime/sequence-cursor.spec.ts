import { SequenceCursor } from './sequence-cursor';

interface M {
  seq: number;
}

/**
 * A cursor over a "database" of the first `stored` seqs but those in `missing`, recording what it
 * delivers.
 */
function setUp(stored: number, pageSize = 3) {
  const db = { stored, missing: new Set<number>() };
  const delivered: number[] = [];
  const fetches: number[] = [];
  let gate: Promise<void> | undefined;
  const cursor = new SequenceCursor<M>({
    fetchAfter: async (afterSeq, limit) => {
      fetches.push(afterSeq);
      if (gate) await gate;
      const rows: M[] = [];
      for (let seq = afterSeq + 1; seq <= db.stored && rows.length < limit; seq++)
        if (!db.missing.has(seq)) rows.push({ seq });
      return rows;
    },
    deliver: (m) => delivered.push(m.seq),
    onError: (error) => {
      throw error;
    },
    pageSize,
  });
  const hold = () => {
    let release!: () => void;
    gate = new Promise((resolve) => (release = resolve));
    return () => {
      gate = undefined;
      release();
    };
  };
  return { cursor, delivered, fetches, db, hold };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('SequenceCursor', () => {
  it('replays every stored message after the start, page by page', async () => {
    const { cursor, delivered } = setUp(8);
    await cursor.start(2);
    expect(delivered).toEqual(range(3, 8));
  });

  it('delivers live messages in order, dropping duplicates and older ones', async () => {
    const { cursor, delivered, db } = setUp(3);
    await cursor.start(3);
    db.stored = 5;
    cursor.offer({ seq: 4 });
    cursor.offer({ seq: 4 });
    cursor.offer({ seq: 2 });
    cursor.offer({ seq: 5 });
    expect(delivered).toEqual([4, 5]);
  });

  it('fills a gap from the database when a later message arrives first', async () => {
    const { cursor, delivered, db } = setUp(3);
    await cursor.start(3);
    db.stored = 7;
    cursor.offer({ seq: 7 }); // 4, 5, 6 committed before it, their fan-out late
    await settle();
    await settle();
    expect(delivered).toEqual([4, 5, 6, 7]);
    cursor.offer({ seq: 5 });
    cursor.offer({ seq: 6 });
    expect(delivered).toEqual([4, 5, 6, 7]);
  });

  it('passes over a seq the database does not have (rolled back or deleted)', async () => {
    const { cursor, delivered, db } = setUp(3);
    await cursor.start(1);
    db.stored = 6;
    db.missing = new Set([4, 5]);
    cursor.offer({ seq: 6 });
    await settle();
    await settle();
    expect(delivered).toEqual([2, 3, 6]);
    db.stored = 7;
    cursor.offer({ seq: 7 });
    expect(delivered).toEqual([2, 3, 6, 7]);
  });

  it('holds live messages during the replay and delivers them after it, once', async () => {
    const { cursor, delivered, db, hold } = setUp(4, 100);
    const release = hold();
    const started = cursor.start(1);
    // New messages are committed and fanned out while the replay's query is running.
    db.stored = 6;
    cursor.offer({ seq: 5 });
    cursor.offer({ seq: 6 });
    release();
    await started;
    await settle();
    expect(delivered).toEqual(range(2, 6));
  });

  it('keeps messages offered before it started', async () => {
    const { cursor, delivered, db } = setUp(2);
    cursor.offer({ seq: 3 });
    db.stored = 3;
    await cursor.start(2);
    expect(delivered).toEqual([3]);
  });

  it('goes quiet once stopped', async () => {
    const { cursor, delivered } = setUp(2);
    await cursor.start(2);
    cursor.stop();
    cursor.offer({ seq: 3 });
    expect(delivered).toEqual([]);
  });
});
