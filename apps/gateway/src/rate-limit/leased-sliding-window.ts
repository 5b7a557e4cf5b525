import type {
  SlidingWindow,
  UnusedClaim,
  WindowClaim,
  WindowCounter,
  WindowVerdict,
} from './sliding-window';

/** The store a leased window claims from (`RedisSlidingWindow`). */
export interface ClaimingStore {
  claim(
    counters: readonly WindowCounter[],
    windowSeconds: number,
    want: number,
  ): Promise<WindowClaim>;
  giveBack(unused: readonly UnusedClaim[]): Promise<void>;
}

/** How long a replica may use counts it claimed ahead; unused ones are then given back. */
export const LEASE_MS = 100;
/** The most requests one claim asks for. */
export const MAX_LEASE = 256;

interface Lease {
  readonly counters: readonly WindowCounter[];
  readonly windowIndex: number;
  /** Counted in the store and not used yet. */
  left: number;
  /** Requests this lease has let through, the claiming one included. */
  served: number;
  /** Per counter: room left in the store once the whole claim was counted. */
  readonly remaining: readonly number[];
  readonly resetAt: number;
  readonly expiresAt: number;
}

/**
 * The sliding window with one store round trip per busy subject every `LEASE_MS` instead of one
 * per request. A request that finds no lease claims room for the requests likely to follow it
 * (what the last lease let through, twice that when it ran out early; the store caps a claim at a
 * share of the room left, so near the limit each request is counted on its own); they are then
 * let through from memory until the lease runs out or expires, and what is left is given back.
 *
 * Every request let through was counted in the store first, so replicas together never let
 * more through than the limit. What a lease holds unused is, for at most `LEASE_MS`, room the
 * other replicas cannot use. A refusal always comes from the store, with its exact retry delay.
 */
export class LeasedSlidingWindow implements SlidingWindow {
  private readonly leases = new Map<string, Lease>();
  /** Claims in flight, by lease: requests of the same subject wait for it instead of claiming too. */
  private readonly claims = new Map<string, Promise<unknown>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly store: ClaimingStore,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => this.sweep(), LEASE_MS);
    this.sweeper.unref();
  }

  async hit(counters: readonly WindowCounter[], windowSeconds: number): Promise<WindowVerdict> {
    const id = leaseId(counters, windowSeconds);
    const served = this.fromLease(id);
    if (served) return served;
    const inFlight = this.claims.get(id);
    if (inFlight) {
      await inFlight.catch(() => undefined);
      const servedAfterWait = this.fromLease(id);
      if (servedAfterWait) return servedAfterWait;
    }
    const claim = this.claim(id, counters, windowSeconds);
    this.claims.set(id, claim);
    try {
      return await claim;
    } finally {
      if (this.claims.get(id) === claim) this.claims.delete(id);
    }
  }

  /** Stops the sweeper and gives back what every lease holds unused. */
  async close(): Promise<void> {
    clearInterval(this.sweeper);
    const unused = [...this.leases.values()].filter((lease) => lease.left > 0).map(unusedOf);
    this.leases.clear();
    await this.store.giveBack(unused).catch(() => undefined);
  }

  private fromLease(id: string): WindowVerdict | undefined {
    const lease = this.leases.get(id);
    const now = this.now();
    if (lease === undefined || lease.left === 0 || now >= lease.expiresAt) return undefined;
    lease.left -= 1;
    lease.served += 1;
    return {
      allowed: true,
      retryAfterMs: 0,
      resetMs: Math.max(0, lease.resetAt - now),
      remaining: lease.remaining.map((room) => room + lease.left),
    };
  }

  private async claim(
    id: string,
    counters: readonly WindowCounter[],
    windowSeconds: number,
  ): Promise<WindowVerdict> {
    const previous = this.leases.get(id);
    let want = 1;
    if (previous !== undefined) {
      this.leases.delete(id);
      this.release(previous);
      const ranOut = this.now() < previous.expiresAt;
      want = Math.min(MAX_LEASE, ranOut ? previous.served * 2 : previous.served);
    }
    const claimed = await this.store.claim(counters, windowSeconds, want);
    // A claim that ran alongside this one (a request that did not wait) may have left a lease:
    // what it holds goes first, before a refusal, and joins this claim's when it went to the
    // same window.
    const alongside = this.leases.get(id);
    if (!claimed.allowed) return this.fromLease(id) ?? verdictOf(claimed, 0);
    let held = claimed.granted - 1;
    if (alongside !== undefined && alongside.windowIndex === claimed.windowIndex) {
      held += alongside.left;
      alongside.left = 0;
    } else if (alongside !== undefined) {
      this.release(alongside);
    }
    const now = this.now();
    this.leases.set(id, {
      counters,
      windowIndex: claimed.windowIndex,
      left: held,
      served: 1 + (alongside?.served ?? 0),
      remaining: claimed.remaining,
      resetAt: now + claimed.resetMs,
      expiresAt: now + LEASE_MS,
    });
    return verdictOf(claimed, held);
  }

  /** Gives back what a lease holds unused, in the background: a failure leaves it counted. */
  private release(lease: Lease): void {
    if (lease.left === 0) return;
    const unused = unusedOf(lease);
    lease.left = 0;
    void this.store.giveBack([unused]).catch(() => undefined);
  }

  private sweep(): void {
    const now = this.now();
    const unused: UnusedClaim[] = [];
    for (const [id, lease] of this.leases) {
      if (now < lease.expiresAt) continue;
      this.leases.delete(id);
      if (lease.left > 0) unused.push(unusedOf(lease));
    }
    if (unused.length > 0) void this.store.giveBack(unused).catch(() => undefined);
  }
}

function leaseId(counters: readonly WindowCounter[], windowSeconds: number): string {
  return `${windowSeconds}|${counters.map((counter) => `${counter.key}=${counter.limit}`).join('|')}`;
}

function unusedOf(lease: Lease): UnusedClaim {
  return { counters: lease.counters, windowIndex: lease.windowIndex, count: lease.left };
}

/** The store's answer as this request's: the room held for later requests counts as left. */
function verdictOf(claimed: WindowClaim, held: number): WindowVerdict {
  return {
    allowed: claimed.allowed,
    retryAfterMs: claimed.retryAfterMs,
    resetMs: claimed.resetMs,
    remaining: claimed.remaining.map((room) => room + held),
  };
}
