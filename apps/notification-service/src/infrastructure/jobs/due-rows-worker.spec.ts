import { DueRowsWorker, type DueRowsWorkerOptions } from './due-rows-worker';

const worker = (whenDelaysRunOut: DueRowsWorkerOptions<never>['whenDelaysRunOut']) =>
  new DueRowsWorker<never>({
    name: 'test',
    rowName: 'Row',
    intervalMs: 1000,
    dataSource: undefined as never,
    logger: { error: () => undefined, warn: () => undefined },
    batchTimeoutMs: 1000,
    retryDelaysMs: [5000, 300000, 1800000],
    whenDelaysRunOut,
    claim: async () => [],
    run: async () => undefined,
    finish: async () => [],
  });

describe('the retry schedule of a due-rows worker', () => {
  it('waits each delay in turn after a failed attempt, then gives up', () => {
    const schedule = worker('give up');
    expect(schedule.retryInMs(1)).toBe(5000);
    expect(schedule.retryInMs(2)).toBe(300000);
    expect(schedule.retryInMs(3)).toBe(1800000);
    // The first try and one retry per delay: the fourth failure is the last.
    expect(schedule.retryInMs(4)).toBeUndefined();
  });

  it('or repeats the last delay for ever', () => {
    const schedule = worker('repeat');
    expect(schedule.retryInMs(1)).toBe(5000);
    expect(schedule.retryInMs(3)).toBe(1800000);
    expect(schedule.retryInMs(4)).toBe(1800000);
    expect(schedule.retryInMs(40)).toBe(1800000);
  });
});
