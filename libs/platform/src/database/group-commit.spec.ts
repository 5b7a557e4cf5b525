import { GroupCommit } from './group-commit';

/** A write that records its batches and finishes when the test says so. */
function controlledWrite() {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  const write = (items: number[]) => {
    batches.push(items);
    return new Promise<PromiseSettledResult<number>[]>((resolve) => {
      finish.push(() =>
        resolve(
          items.map((n) =>
            n < 0
              ? { status: 'rejected', reason: new Error(`bad ${n}`) }
              : { status: 'fulfilled', value: n * 10 },
          ),
        ),
      );
    });
  };
  return { batches, finish, write };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  it('writes what is submitted in one turn as one batch, in order', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { concurrency: 1, maxBatchSize: 10 });
    const results = [1, 2, 3].map((n) => group.submit(n));
    await turn();
    expect(w.batches).toEqual([[1, 2, 3]]);
    w.finish[0]();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30]);
  });

  it('a lone item leaves at once: no waiting for company', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { concurrency: 1, maxBatchSize: 10 });
    const result = group.submit(7);
    await turn();
    expect(w.batches).toEqual([[7]]);
    w.finish[0]();
    await expect(result).resolves.toBe(70);
  });

  it('what comes while the batches in progress fill the concurrency waits for the next one', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { concurrency: 2, maxBatchSize: 10 });
    const first = group.submit(1);
    await turn();
    const second = group.submit(2);
    await turn();
    const waiting = [3, 4, 5].map((n) => group.submit(n));
    await turn();
    expect(w.batches).toEqual([[1], [2]]);
    expect(group.waiting).toBe(3);
    w.finish[1]();
    await expect(second).resolves.toBe(20);
    await turn();
    expect(w.batches).toEqual([[1], [2], [3, 4, 5]]);
    w.finish[0]();
    w.finish[2]();
    await expect(first).resolves.toBe(10);
    await expect(Promise.all(waiting)).resolves.toEqual([30, 40, 50]);
  });

  it('keeps batches to maxBatchSize', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { concurrency: 2, maxBatchSize: 2 });
    const results = [1, 2, 3, 4, 5].map((n) => group.submit(n));
    await turn();
    expect(w.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    w.finish[0]();
    await results[0];
    await turn();
    expect(w.batches.at(-1)).toEqual([5]);
    w.finish[1]();
    w.finish[2]();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30, 40, 50]);
  });

  it('settles each item as the write says', async () => {
    const w = controlledWrite();
    const group = new GroupCommit(w.write, { concurrency: 1, maxBatchSize: 10 });
    const ok = group.submit(1);
    const bad = group.submit(-1);
    await turn();
    w.finish[0]();
    await expect(ok).resolves.toBe(10);
    await expect(bad).rejects.toThrow('bad -1');
  });

  it('rejects the whole batch when the write throws, and goes on with the next', async () => {
    let calls = 0;
    const group = new GroupCommit<number, number>(
      async (items) => {
        calls += 1;
        if (calls === 1) throw new Error('connection lost');
        return items.map((n) => ({ status: 'fulfilled', value: n }));
      },
      { concurrency: 1, maxBatchSize: 10 },
    );
    const failed = [group.submit(1), group.submit(2)];
    await expect(Promise.all(failed)).rejects.toThrow('connection lost');
    await expect(failed[1]).rejects.toThrow('connection lost');
    await expect(group.submit(3)).resolves.toBe(3);
  });

  it('rejects an item the write did not settle', async () => {
    const group = new GroupCommit<number, number>(async () => [], {
      concurrency: 1,
      maxBatchSize: 10,
    });
    await expect(group.submit(1)).rejects.toThrow('settled fewer items');
  });

  it('refuses a concurrency or batch size below 1', () => {
    expect(() => new GroupCommit(async () => [], { concurrency: 0, maxBatchSize: 1 })).toThrow();
    expect(() => new GroupCommit(async () => [], { concurrency: 1, maxBatchSize: 0 })).toThrow();
  });
});
