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

/** What the store counted for a request allowed ahead: see `RedisSlidingWindow.claim`. */
export interface WindowClaim extends WindowVerdict {
  /** Requests counted on every counter (0 when refused): this one and those allowed ahead. */
  readonly granted: number;
  /** The fixed window the counts went to: where `giveBack` takes unused ones from. */
  readonly windowIndex: number;
}

/** Counts a claim took and did not use, to take back from the window they went to. */
export interface UnusedClaim {
  readonly counters: readonly WindowCounter[];
  readonly windowIndex: number;
  readonly count: number;
}

/**
 * A claim for more than one request takes at most this share of the room a counter has left, so
 * replicas holding claims leave room for each other, and near the limit every request is counted
 * on its own, exactly.
 */
export const CLAIM_SHARE_OF_ROOM = 8;

/**
 * Sliding window counter, after Cloudflare's: one hash per subject holds the counts of the current
 * and the previous fixed window (fields named by window number); the previous count is weighted by
 * the share of it the sliding window still covers. Two numbers per subject instead of a log of
 * every request, and at most a few per cent off an exact log. The clock is Redis's own (TIME), so
 * every gateway replica agrees. All counters of one request are checked together and counted only
 * if every one has room, in one atomic script.
 *
 * A request may claim room for the requests that follow it (`want` > 1): then up to `want` are
 * counted at once, as long as that leaves every counter at least the claim's share of its room
 * (`CLAIM_SHARE_OF_ROOM`); at least the request itself is counted.
 *
 * KEYS: the counters' hashes. ARGV[1]: window in ms; ARGV[2]: requests wanted; ARGV[3]: the share
 * of the room a claim may take (its inverse); ARGV[3 + i]: the limit of KEYS[i].
 * Returns {allowed (1/0), retry after (ms), reset (ms), granted, window index, remaining of KEYS[1],
 * ...}, remaining counted after the whole grant.
 */
const SLIDING_WINDOW_SCRIPT = `
local window = tonumber(ARGV[1])
local want = tonumber(ARGV[2])
local share = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local index = math.floor(now / window)
local elapsed = now - index * window
local current_field = string.format('%d', index)
local previous_field = string.format('%d', index - 1)
local retry = 0
local grant = want
local used = {}
for i, key in ipairs(KEYS) do
  local limit = tonumber(ARGV[i + 3])
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
  else
    grant = math.min(grant, math.floor((limit - used[i]) / share))
  end
end
if retry ~= 0 then grant = 0 else grant = math.max(1, grant) end
local reply = {retry == 0 and 1 or 0, retry, window - elapsed, grant, index}
for i, key in ipairs(KEYS) do
  if grant > 0 then
    redis.call('HINCRBY', key, current_field, grant)
    redis.call('HDEL', key, string.format('%d', index - 2))
    redis.call('PEXPIRE', key, window * 2)
    used[i] = used[i] + grant
  end
  reply[#reply + 1] = math.max(0, math.floor(tonumber(ARGV[i + 3]) - used[i]))
end
return reply
`;

/**
 * Takes unused counts back from the fixed window they went to, if it is still kept (never below
 * zero). KEYS[1]: the counter's hash; ARGV[1]: the window index; ARGV[2]: how many.
 */
const GIVE_BACK_SCRIPT = `
local field = ARGV[1]
local count = redis.call('HGET', KEYS[1], field)
if not count then return 0 end
local left = math.max(0, tonumber(count) - tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], field, left)
return tonumber(count) - left
`;

type SlidingWindowCommand = (
  numberOfKeys: number,
  ...args: (string | number)[]
) => Promise<number[]>;

interface SlidingWindowCommands {
  ajlaSlidingWindow: SlidingWindowCommand;
  ajlaSlidingWindowGiveBack(key: string, windowIndex: number, count: number): Promise<number>;
}

/**
 * The sliding window in Redis: one EVALSHA per claim (ioredis loads the script on NOSCRIPT), keys
 * under the client's prefix. Refuses at once (without queueing) while the connection is not ready,
 * and gives up on an answer after `timeoutMs`, so a Redis outage never holds requests up.
 */
export class RedisSlidingWindow implements SlidingWindow {
  private readonly commands: SlidingWindowCommands;

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs = 250,
  ) {
    if (!('ajlaSlidingWindow' in redis)) {
      redis.defineCommand('ajlaSlidingWindow', { lua: SLIDING_WINDOW_SCRIPT });
      redis.defineCommand('ajlaSlidingWindowGiveBack', { lua: GIVE_BACK_SCRIPT, numberOfKeys: 1 });
    }
    this.commands = redis as unknown as SlidingWindowCommands;
  }

  hit(counters: readonly WindowCounter[], windowSeconds: number): Promise<WindowVerdict> {
    return this.claim(counters, windowSeconds, 1);
  }

  /** Counts this request and, room permitting, up to `want - 1` more that may follow it. */
  async claim(
    counters: readonly WindowCounter[],
    windowSeconds: number,
    want: number,
  ): Promise<WindowClaim> {
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
        this.commands.ajlaSlidingWindow(
          counters.length,
          ...counters.map((counter) => counter.key),
          windowSeconds * 1000,
          Math.max(1, Math.floor(want)),
          CLAIM_SHARE_OF_ROOM,
          ...counters.map((counter) => counter.limit),
        ),
        timedOut,
      ]);
      const [allowed, retryAfterMs, resetMs, granted, windowIndex, ...remaining] =
        reply.map(Number);
      return {
        allowed: allowed === 1,
        retryAfterMs: retryAfterMs!,
        resetMs: resetMs!,
        remaining,
        granted: granted!,
        windowIndex: windowIndex!,
      };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Takes back counts claimed and not used, in one round trip; what cannot be, stays counted. */
  async giveBack(unused: readonly UnusedClaim[]): Promise<void> {
    if (unused.length === 0 || this.redis.status !== 'ready') return;
    const pipeline = this.redis.pipeline() as unknown as SlidingWindowCommands & {
      exec(): Promise<unknown>;
    };
    for (const claim of unused) {
      for (const counter of claim.counters) {
        void pipeline.ajlaSlidingWindowGiveBack(counter.key, claim.windowIndex, claim.count);
      }
    }
    await pipeline.exec();
  }
}
