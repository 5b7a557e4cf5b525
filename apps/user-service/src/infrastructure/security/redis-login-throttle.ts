import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type {
  LoginAdmission,
  LoginAttemptSource,
  LoginThrottle,
  LoginThrottlePolicy,
} from '../../domain/login/login-throttle.port';

/**
 * Admits an attempt only if, counting it, neither counter passes its limit: INCR both, and if
 * either is over, take both back and answer how long the longer window still runs. An admitted
 * attempt stays counted until it is known to have succeeded, so a burst of parallel guesses cannot
 * slip past the limit while the first ones are still being verified.
 */
const ADMIT = `
local admitted = true
local wait = 0
for i = 1, 2 do
  local count = redis.call('INCR', KEYS[i])
  if redis.call('PTTL', KEYS[i]) < 0 then redis.call('PEXPIRE', KEYS[i], ARGV[3]) end
  if count > tonumber(ARGV[i]) then
    admitted = false
    wait = math.max(wait, redis.call('PTTL', KEYS[i]))
  end
end
if admitted then return 0 end
for i = 1, 2 do
  if redis.call('DECR', KEYS[i]) <= 0 then redis.call('DEL', KEYS[i]) end
end
return math.max(wait, 1)
`;

/**
 * A success is not a failure: the address gets its attempt back, and the account starts over.
 * Resetting the account is safe because only someone who knows its password can do it; the
 * address counter is never reset, or an attacker could clear it by logging into an account of
 * their own between guesses at others.
 */
const SUCCEEDED = `
redis.call('DEL', KEYS[1])
if redis.call('EXISTS', KEYS[2]) == 1 and redis.call('DECR', KEYS[2]) <= 0 then redis.call('DEL', KEYS[2]) end
return 0
`;

type ThrottleCommands = Redis & {
  ajlaLoginAdmit(
    account: string,
    address: string,
    maxAccount: number,
    maxAddress: number,
    windowMs: number,
  ): Promise<number>;
  ajlaLoginSucceeded(account: string, address: string): Promise<number>;
};

/** Login throttling with fixed windows in Redis, both counters moved atomically by Lua. */
export class RedisLoginThrottle implements LoginThrottle {
  private readonly redis: ThrottleCommands;

  constructor(
    redis: Redis,
    private readonly policy: LoginThrottlePolicy,
  ) {
    redis.defineCommand('ajlaLoginAdmit', { numberOfKeys: 2, lua: ADMIT });
    redis.defineCommand('ajlaLoginSucceeded', { numberOfKeys: 2, lua: SUCCEEDED });
    this.redis = redis as ThrottleCommands;
  }

  async admit(source: LoginAttemptSource): Promise<LoginAdmission> {
    const [accountKey, addressKey] = this.keysFor(source);
    const waitMs = await this.redis.ajlaLoginAdmit(
      accountKey,
      addressKey,
      this.policy.maxFailuresPerAccount,
      this.policy.maxFailuresPerAddress,
      this.policy.windowSeconds * 1000,
    );
    if (waitMs > 0) return { admitted: false, retryAfterSeconds: Math.ceil(waitMs / 1000) };
    return {
      admitted: true,
      attempt: {
        // The admission already counted it.
        failed: async () => undefined,
        succeeded: async () => {
          await this.redis.ajlaLoginSucceeded(accountKey, addressKey);
        },
      },
    };
  }

  private keysFor(source: LoginAttemptSource): [string, string] {
    // Hashed, so that Redis holds no e-mail addresses.
    const account = createHash('sha256').update(source.account).digest('hex');
    return [`login-failures:account:${account}`, `login-failures:address:${source.address}`];
  }
}
