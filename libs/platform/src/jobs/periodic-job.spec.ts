import { PeriodicJob } from './periodic-job';

describe('PeriodicJob', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs after the first delay, then every interval after the end of the previous run', async () => {
    const starts: number[] = [];
    const job = new PeriodicJob({
      name: 'test job',
      intervalMs: 1_000,
      firstRunAfterMs: 100,
      run: async () => {
        starts.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 500));
      },
    });
    const t0 = Date.now();
    job.start();
    await jest.advanceTimersByTimeAsync(3_700);
    expect(starts.map((at) => at - t0)).toEqual([100, 1_600, 3_100]);
    await job.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(starts).toHaveLength(3);
  });

  it('never overlaps a run in progress, and logs a repeated failure once', async () => {
    const errors: string[] = [];
    let runs = 0;
    const job = new PeriodicJob({
      name: 'test job',
      intervalMs: 10,
      logger: { error: (message: string) => errors.push(message) },
      run: async () => {
        runs += 1;
        throw new Error('database away');
      },
    });
    await Promise.all([job.runNow(), job.runNow()]);
    expect(runs).toBe(1);
    job.start();
    await jest.advanceTimersByTimeAsync(100);
    expect(runs).toBeGreaterThan(3);
    expect(errors).toEqual(['test job failed: database away']);
    await job.stop();
  });
});
