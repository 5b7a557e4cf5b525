import { nextDelayMs, wants } from './webhook-events';

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

describe('which events a subscription wants', () => {
  it('takes * for every event and otherwise only the ones it names', () => {
    expect(wants(['*'], 'message.created')).toBe(true);
    expect(wants(['request.submitted'], 'request.submitted')).toBe(true);
    expect(wants(['request.submitted'], 'message.created')).toBe(false);
  });
});
