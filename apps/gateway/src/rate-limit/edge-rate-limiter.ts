import { isIP } from 'node:net';
import { RateLimitGroup, RateLimits } from './rate-limits';
import { SlidingWindow, WindowCounter } from './sliding-window';

/** Who is asking: the client address the gateway believes, and the user the edge verified. */
export interface RateLimitSubject {
  readonly address: string;
  readonly userId?: string;
}

export type RateLimitDecision =
  | { readonly allowed: true; readonly headers: Readonly<Record<string, string>> }
  | {
      readonly allowed: false;
      /** `Retry-After` and the RateLimit fields, to send with the 429. */
      readonly headers: Readonly<Record<string, string>>;
      readonly retryAfterSeconds: number;
      readonly body: { readonly detail: string; readonly code: 'rate_limited' };
    };

export interface RateLimitMetrics {
  limited(group: RateLimitGroup, policy: 'address' | 'user'): void;
  limiterUnavailable(): void;
}

export interface RateLimitLog {
  warn(message: unknown, ...rest: unknown[]): void;
  log(message: unknown, ...rest: unknown[]): void;
}

const STORE_RETRY_MS = 1000;

interface Policy {
  readonly name: string;
  readonly scope: 'address' | 'user';
  readonly counter: WindowCounter;
}

/**
 * The platform-wide rate limit at the edge: per client address and, for a verified access token,
 * per user, with each group's own limits (see `rate-limits.ts`). Answers carry the RateLimit
 * fields of draft-ietf-httpapi-ratelimit-headers-11 (`RateLimit-Policy` and `RateLimit`, structured
 * fields) on every limited route, and a refusal `Retry-After` as well.
 *
 * If the store cannot answer (Redis down or slow), requests pass: the limiter guards capacity,
 * and failing closed would turn a Redis outage into a platform outage. Failed logins stay
 * throttled by user-service. The store is then asked again once a second, the outage logged once
 * (and its end), and every unchecked request counted.
 */
export class EdgeRateLimiter {
  private failing = false;
  /** After a failure the store is left alone this long: a hung Redis must not slow every request. */
  private askAgainAt = 0;

  constructor(
    private readonly limits: RateLimits,
    private readonly window: SlidingWindow,
    private readonly metrics: RateLimitMetrics,
    private readonly log: RateLimitLog,
    private readonly now: () => number = Date.now,
  ) {}

  /** The decision for one request, or undefined when nothing limits it (or the store is down). */
  async check(
    group: RateLimitGroup,
    subject: RateLimitSubject,
  ): Promise<RateLimitDecision | undefined> {
    if (!this.limits.enabled) return undefined;
    const { perAddress, perUser, windowSeconds } = this.limits.groups[group];
    const policies: Policy[] = [];
    if (perAddress > 0 && subject.address) {
      policies.push({
        name: `${group}-per-address`,
        scope: 'address',
        counter: { key: `rate:${group}:address:${addressKey(subject.address)}`, limit: perAddress },
      });
    }
    if (perUser > 0 && subject.userId) {
      policies.push({
        name: `${group}-per-user`,
        scope: 'user',
        counter: { key: `rate:${group}:user:${subject.userId}`, limit: perUser },
      });
    }
    if (policies.length === 0) return undefined;

    if (this.failing && this.now() < this.askAgainAt) {
      this.metrics.limiterUnavailable();
      return undefined;
    }
    let verdict;
    try {
      verdict = await this.window.hit(
        policies.map((policy) => policy.counter),
        windowSeconds,
      );
    } catch (error) {
      this.metrics.limiterUnavailable();
      this.askAgainAt = this.now() + STORE_RETRY_MS;
      if (!this.failing) {
        this.failing = true;
        this.log.warn(
          { error: (error as Error).message },
          'rate limits are not enforced until Redis answers again (requests pass)',
        );
      }
      return undefined;
    }
    if (this.failing) {
      this.failing = false;
      this.log.log('rate limits are enforced again');
    }

    const resetSeconds = Math.max(1, Math.ceil(verdict.resetMs / 1000));
    const retryAfterSeconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
    const items = policies.map((policy, i) => {
      const remaining = verdict.remaining[i] ?? 0;
      // A refusal never says more quota comes sooner than Retry-After (the draft's rule).
      const reset = verdict.allowed ? resetSeconds : Math.min(resetSeconds, retryAfterSeconds);
      return {
        policy: `"${policy.name}";q=${policy.counter.limit};w=${windowSeconds}`,
        state: `"${policy.name}";r=${remaining};t=${remaining === 0 && !verdict.allowed ? retryAfterSeconds : reset}`,
      };
    });
    const headers: Record<string, string> = {
      'ratelimit-policy': items.map((item) => item.policy).join(', '),
      ratelimit: items.map((item) => item.state).join(', '),
    };
    if (verdict.allowed) return { allowed: true, headers };

    for (const [i, policy] of policies.entries()) {
      if ((verdict.remaining[i] ?? 0) === 0) this.metrics.limited(group, policy.scope);
    }
    headers['retry-after'] = String(retryAfterSeconds);
    return {
      allowed: false,
      headers,
      retryAfterSeconds,
      body: {
        detail: `Too many requests: try again in ${retryAfterSeconds} s`,
        code: 'rate_limited',
      },
    };
  }
}

/**
 * What one client's address is counted as: an IPv4 address itself, an IPv6 address by its /64
 * network, since one subscriber usually gets a whole /64 and could otherwise count afresh from
 * each of its addresses.
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  // An embedded IPv4 tail (::ffff:a.b.c.d and the like) lies below the /64 anyway.
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
