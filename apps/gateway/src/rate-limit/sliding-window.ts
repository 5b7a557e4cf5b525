import type { Redis } from 'ioredis';

/** One counter to check and count: a subject's key and its limit per window. */
export interface WindowCounter {
  readonly key: string;
  readonly limit: number;
}

export interface WindowVerdict {
  /** True when every counter had room: then each was counted. A refused request counts nowhere. */
  readonly allowed: boolean;
  /** When refused: how long until the request would pass, in ms (0 when allowed). */
  readonly retryAfterMs: number;
  /** Until the current fixed window ends, in ms (then the oldest counts start to fade). */
  readonly resetMs: number;
  /** Per counter, in order: requests left in the sliding window after this one. */
  readonly remaining: readonly number[];
}

/** Counts requests in a sliding window; throws when it cannot tell (the caller decides). */
export interface SlidingWindow {
  hit(counters: readonly WindowCounter[], windowSeconds: number): Promise<WindowVerdict>;
}

export class RateLimitStoreUnavailableError extends Error {
  constructor(reason: string) {
    super(`rate-limit store unavailable: ${reason}`);
    this.name = 'RateLimitStoreUnavailableError';
  }
}

/**
 * Sliding window counter, after Cloudflare's: one hash per subject holds the counts of the current
 * and the previous fixed window (fields named by window number); the previous count is weighted by
 * the share of it the sliding window still covers. Two numbers per subject instead of a log of
 * every request, and at most a few per cent off an exact log. The clock is Redis's own (TIME), so
 * every gateway replica agrees. All counters of one request are checked together and counted only
 * if every one has room, in one atomic script.
 *
 * KEYS: the counters' hashes. ARGV[1]: window in ms; ARGV[1 + i]: the limit of KEYS[i].
 * Returns {allowed (1/0), retry after (ms), reset (ms), remaining of KEYS[1], ...}.
 */
const SLIDING_WINDOW_SCRIPT = `
local window = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local index = math.floor(now / window)
local elapsed = now - index * window
local current_field = string.format('%d', index)
local previous_field = string.format('%d', index - 1)
local retry = 0
local used = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[i + 1])
  local current = tonumber(redis.call('HGET', key, current_field) or '0')
  local previous = tonumber(redis.call('HGET', key, previous_field) or '0')
  used[i] = previous * (window - elapsed) / window + current
  if used[i] + 1 > limit then
    local wait
    if current + 1 > limit then
      -- the next window, then until this window's weight has faded enough
      wait = window - elapsed + math.ceil(window * (1 - (limit - 1) / current))
    else
      wait = math.ceil(window * (1 - (limit - 1 - current) / previous)) - elapsed
    end
    retry = math.max(retry, wait, 1)
  end
end
local reply = {retry == 0 and 1 or 0, retry, window - elapsed}
for i, key in ipairs(KEYS) do
  if retry == 0 then
    redis.call('HINCRBY', key, current_field, 1)
    redis.call('HDEL', key, string.format('%d', index - 2))
    redis.call('PEXPIRE', key, window * 2)
    used[i] = used[i] + 1
  end
  reply[#reply + 1] = math.max(0, math.floor(tonumber(ARGV[i + 1]) - used[i]))
end
return reply
`;

type SlidingWindowCommand = (
  numberOfKeys: number,
  ...args: (string | number)[]
) => Promise<number[]>;

/**
 * The sliding window in Redis: one EVALSHA per request (ioredis loads the script on NOSCRIPT), keys
 * under the client's prefix. Refuses at once (without queueing) while the connection is not ready,
 * and gives up on an answer after `timeoutMs`, so a Redis outage never holds requests up.
 */
export class RedisSlidingWindow implements SlidingWindow {
  private readonly command: SlidingWindowCommand;

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs = 250,
  ) {
    if (!('ajlaSlidingWindow' in redis)) {
      redis.defineCommand('ajlaSlidingWindow', { lua: SLIDING_WINDOW_SCRIPT });
    }
    const command = (redis as unknown as { ajlaSlidingWindow: SlidingWindowCommand })
      .ajlaSlidingWindow;
    this.command = command.bind(redis);
  }

  async hit(counters: readonly WindowCounter[], windowSeconds: number): Promise<WindowVerdict> {
    if (this.redis.status !== 'ready') {
      throw new RateLimitStoreUnavailableError(`connection ${this.redis.status}`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new RateLimitStoreUnavailableError(`no answer within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
    });
    try {
      const reply = await Promise.race([
        this.command(
          counters.length,
          ...counters.map((counter) => counter.key),
          windowSeconds * 1000,
          ...counters.map((counter) => counter.limit),
        ),
        timedOut,
      ]);
      const [allowed, retryAfterMs, resetMs, ...remaining] = reply.map(Number);
      return { allowed: allowed === 1, retryAfterMs: retryAfterMs!, resetMs: resetMs!, remaining };
    } finally {
      clearTimeout(timer);
    }
  }
}
