import { nextDelayMs } from './webhook-events';

describe('the retry schedule', () => {
  const delays = [5000, 300000, 1800000];

  it('waits each delay in turn after a failed attempt, then gives up', () => {
    expect(nextDelayMs(delays, 1)).toBe(5000);
    expect(nextDelayMs(delays, 2)).toBe(300000);
    expect(nextDelayMs(delays, 3)).toBe(1800000);
    // The first try and one retry per delay: the fourth failure is the last.
    expect(nextDelayMs(delays, 4)).toBeUndefined();
  });
});
