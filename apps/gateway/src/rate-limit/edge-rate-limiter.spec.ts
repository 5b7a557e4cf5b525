import { EdgeRateLimiter, RateLimitMetrics, addressKey } from './edge-rate-limiter';
import { RateLimits, parseRateLimits } from './rate-limits';
import { SlidingWindow, WindowCounter, WindowVerdict } from './sliding-window';

/** A window that answers what the test says and records what it was asked. */
class ScriptedWindow implements SlidingWindow {
  readonly asked: { counters: readonly WindowCounter[]; windowSeconds: number }[] = [];
  next: WindowVerdict | Error = { allowed: true, retryAfterMs: 0, resetMs: 1000, remaining: [] };

  async hit(counters: readonly WindowCounter[], windowSeconds: number): Promise<WindowVerdict> {
    this.asked.push({ counters, windowSeconds });
    if (this.next instanceof Error) throw this.next;
    return this.next;
  }
}

function limits(env: Record<string, string> = {}): RateLimits {
  return parseRateLimits(
    {
      RATE_LIMIT_READ_PER_ADDRESS: '100',
      RATE_LIMIT_READ_PER_USER: '10',
      RATE_LIMIT_WINDOW_SECONDS: '60',
      ...env,
    },
    [],
  );
}

describe('EdgeRateLimiter', () => {
  let window: ScriptedWindow;
  let metrics: jest.Mocked<RateLimitMetrics>;
  let log: { warn: jest.Mock; log: jest.Mock };

  beforeEach(() => {
    window = new ScriptedWindow();
    metrics = { limited: jest.fn(), limiterUnavailable: jest.fn() };
    log = { warn: jest.fn(), log: jest.fn() };
  });

  it('counts per address and per user and describes both policies on a passing request', async () => {
    const limiter = new EdgeRateLimiter(limits(), window, metrics, log);
    window.next = { allowed: true, retryAfterMs: 0, resetMs: 12_300, remaining: [99, 9] };

    const decision = await limiter.check('read', { address: '203.0.113.7', userId: 'u1' });

    expect(window.asked).toEqual([
      {
        counters: [
          { key: 'rate:read:address:203.0.113.7', limit: 100 },
          { key: 'rate:read:user:u1', limit: 10 },
        ],
        windowSeconds: 60,
      },
    ]);
    expect(decision).toEqual({
      allowed: true,
      headers: {
        'ratelimit-policy': '"read-per-address";q=100;w=60, "read-per-user";q=10;w=60',
        ratelimit: '"read-per-address";r=99;t=13, "read-per-user";r=9;t=13',
      },
    });
  });

  it('refuses with Retry-After, the exhausted policy at r=0 and a rate_limited body', async () => {
    const limiter = new EdgeRateLimiter(limits(), window, metrics, log);
    window.next = { allowed: false, retryAfterMs: 4_200, resetMs: 30_000, remaining: [40, 0] };

    const decision = await limiter.check('read', { address: '203.0.113.7', userId: 'u1' });

    expect(decision).toEqual({
      allowed: false,
      retryAfterSeconds: 5,
      headers: {
        'retry-after': '5',
        'ratelimit-policy': '"read-per-address";q=100;w=60, "read-per-user";q=10;w=60',
        // No policy says more quota comes later than Retry-After.
        ratelimit: '"read-per-address";r=40;t=5, "read-per-user";r=0;t=5',
      },
      body: { detail: 'Too many requests: try again in 5 s', code: 'rate_limited' },
    });
    expect(metrics.limited).toHaveBeenCalledTimes(1);
    expect(metrics.limited).toHaveBeenCalledWith('read', 'user');
  });

  it('limits an anonymous request by its address only', async () => {
    const limiter = new EdgeRateLimiter(limits(), window, metrics, log);
    window.next = { allowed: true, retryAfterMs: 0, resetMs: 1000, remaining: [5] };
    await limiter.check('read', { address: '::1' });
    expect(window.asked[0]!.counters).toEqual([
      { key: 'rate:read:address:0:0:0:0::/64', limit: 100 },
    ]);
  });

  it('asks nothing when the group has no limit or limits are off', async () => {
    const off = { RATE_LIMIT_READ_PER_ADDRESS: '0', RATE_LIMIT_READ_PER_USER: '0' };
    await expect(
      new EdgeRateLimiter(limits(off), window, metrics, log).check('read', {
        address: '::1',
        userId: 'u',
      }),
    ).resolves.toBeUndefined();
    await expect(
      new EdgeRateLimiter(limits({ RATE_LIMIT_ENABLED: 'false' }), window, metrics, log).check(
        'read',
        { address: '::1' },
      ),
    ).resolves.toBeUndefined();
    expect(window.asked).toEqual([]);
  });

  it('lets requests through while the store fails, logging the outage once and its end', async () => {
    let now = 1_000_000;
    const limiter = new EdgeRateLimiter(limits(), window, metrics, log, () => now);
    window.next = new Error('connection refused');
    await expect(limiter.check('read', { address: '::1' })).resolves.toBeUndefined();
    // Within a second of a failure the store is not asked at all.
    now += 999;
    await expect(limiter.check('read', { address: '::1' })).resolves.toBeUndefined();
    expect(window.asked).toHaveLength(1);
    now += 1;
    await expect(limiter.check('read', { address: '::1' })).resolves.toBeUndefined();
    expect(window.asked).toHaveLength(2);
    expect(metrics.limiterUnavailable).toHaveBeenCalledTimes(3);
    expect(log.warn).toHaveBeenCalledTimes(1);

    now += 1000;
    window.next = { allowed: true, retryAfterMs: 0, resetMs: 1000, remaining: [5] };
    await expect(limiter.check('read', { address: '::1' })).resolves.toMatchObject({
      allowed: true,
    });
    expect(log.log).toHaveBeenCalledWith('rate limits are enforced again');
  });
});

describe('addressKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['2001:DB8:1:2::', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1:2:3:4', 'fe80:0:0:0::/64'],
  ])('counts %s as %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
