import { decideAfterFailure } from './retry-policy';

describe('decideAfterFailure', () => {
  const delays = [1000, 5000, 30000];

  it('retries with each delay in turn, then dead-letters', () => {
    expect(decideAfterFailure(0, delays)).toEqual({ kind: 'retry', delayMs: 1000, retryCount: 1 });
    expect(decideAfterFailure(1, delays)).toEqual({ kind: 'retry', delayMs: 5000, retryCount: 2 });
    expect(decideAfterFailure(2, delays)).toEqual({ kind: 'retry', delayMs: 30000, retryCount: 3 });
    expect(decideAfterFailure(3, delays)).toEqual({ kind: 'dead-letter' });
    expect(decideAfterFailure(99, delays)).toEqual({ kind: 'dead-letter' });
  });

  it('dead-letters at once when there are no retries', () => {
    expect(decideAfterFailure(0, [])).toEqual({ kind: 'dead-letter' });
  });
});
