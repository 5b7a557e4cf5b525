import { ClaimingStore, LEASE_MS, LeasedSlidingWindow, MAX_LEASE } from './leased-sliding-window';
import type { UnusedClaim, WindowClaim, WindowCounter } from './sliding-window';

/** A store with room for `room` requests, granting what is asked while it lasts. */
class CountingStore implements ClaimingStore {
  readonly wanted: number[] = [];
  readonly givenBack: UnusedClaim[] = [];
  counted = 0;

  constructor(private readonly room: number) {}

  async claim(
    _counters: readonly WindowCounter[],
    _window: number,
    want: number,
  ): Promise<WindowClaim> {
    this.wanted.push(want);
    const left = this.room - this.counted;
    const granted = left < 1 ? 0 : Math.min(want, left);
    this.counted += granted;
    return {
      allowed: granted > 0,
      retryAfterMs: granted > 0 ? 0 : 5000,
      resetMs: 30_000,
      remaining: [this.room - this.counted],
      granted,
      windowIndex: 7,
    };
  }

  async giveBack(unused: readonly UnusedClaim[]): Promise<void> {
    for (const claim of unused) {
      this.givenBack.push(claim);
      this.counted -= claim.count;
    }
  }
}

const counters = [{ key: 'rate:read:user:u1', limit: 1000 }];

describe('LeasedSlidingWindow', () => {
  let now: number;
  let windows: LeasedSlidingWindow[];
  const leased = (store: ClaimingStore): LeasedSlidingWindow => {
    const window = new LeasedSlidingWindow(store, () => now);
    windows.push(window);
    return window;
  };

  beforeEach(() => {
    now = 1_000_000;
    windows = [];
  });
  afterEach(async () => {
    await Promise.all(windows.map((window) => window.close()));
  });

  it('claims twice as much each time a lease runs out early, up to its maximum', async () => {
    const store = new CountingStore(1_000_000);
    const window = leased(store);
    for (let i = 0; i < 1 + 2 + 4 + 8; i++) await window.hit(counters, 60);
    expect(store.wanted).toEqual([1, 2, 4, 8]);
    for (let i = 0; i < 2000; i++) await window.hit(counters, 60);
    expect(Math.max(...store.wanted)).toBe(MAX_LEASE);
    // Every request was counted before it passed; what the last lease holds goes back at close.
    expect(store.counted).toBeGreaterThanOrEqual(2015);
    await window.close();
    expect(store.counted).toBe(2015);
  });

  it('after a lease expires, gives back what it left and claims what it let through', async () => {
    const store = new CountingStore(1_000_000);
    const window = leased(store);
    for (let i = 0; i < 1 + 2 + 4 + 8; i++) await window.hit(counters, 60);
    // The lease of 8 let 1 through; another 16 were not asked for.
    await window.hit(counters, 60);
    now += LEASE_MS;
    await window.hit(counters, 60);
    expect(store.givenBack).toEqual([{ counters, windowIndex: 7, count: 15 }]);
    expect(store.wanted.at(-1)).toBe(1);
    expect(store.counted).toBe(17);
  });

  it('says the room left counting what its lease holds as left', async () => {
    const window = leased(new CountingStore(100));
    const remaining: number[] = [];
    for (let i = 0; i < 10; i++) remaining.push((await window.hit(counters, 60)).remaining[0]!);
    expect(remaining).toEqual([99, 98, 97, 96, 95, 94, 93, 92, 91, 90]);
  });

  it('passes a refusal on with its retry delay once the room is gone', async () => {
    const window = leased(new CountingStore(3));
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await window.hit(counters, 60));
    expect(verdicts.map((verdict) => verdict.allowed)).toEqual([true, true, true, false, false]);
    expect(verdicts[3]).toMatchObject({ retryAfterMs: 5000, remaining: [0] });
  });

  it('makes requests that arrive during a claim wait for it instead of claiming too', async () => {
    const store = new CountingStore(1_000_000);
    const window = leased(store);
    for (let i = 0; i < 1 + 2 + 4; i++) await window.hit(counters, 60);
    const verdicts = await Promise.all(Array.from({ length: 8 }, () => window.hit(counters, 60)));
    expect(verdicts.every((verdict) => verdict.allowed)).toBe(true);
    expect(store.wanted).toEqual([1, 2, 4, 8]);
  });

  it('gives back everything its leases hold when it closes', async () => {
    const store = new CountingStore(1_000_000);
    const window = leased(store);
    for (let i = 0; i < 1 + 2 + 4 + 1; i++) await window.hit(counters, 60);
    await window.close();
    expect(store.counted).toBe(8);
  });
});
