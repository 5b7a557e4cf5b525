import { RouteDefinition } from '../routing/route-definition';

/**
 * What a request counts against: `auth` (register, login, refresh, logout: writes on lines marked
 * `limits: "auth"`), `write` (any other POST, PUT, PATCH, DELETE), `read` (GET, HEAD, OPTIONS) and
 * `websocket` (upgrades). Each group has its own limits per client address and per user.
 */
export const RATE_LIMIT_GROUPS = ['auth', 'read', 'write', 'websocket'] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];

export interface GroupLimits {
  /** Requests per window from one client address; 0: not limited by address. */
  readonly perAddress: number;
  /** Requests per window by one user (the access token's `sub`); 0: not limited by user. */
  readonly perUser: number;
  readonly windowSeconds: number;
}

export interface RateLimits {
  readonly enabled: boolean;
  readonly groups: Readonly<Record<RateLimitGroup, GroupLimits>>;
}

export const DEFAULT_WINDOW_SECONDS = 60;

/**
 * Per minute, sliding. A busy person in the web app stays far below them: a page load is a
 * handful of reads, a chat message one write, a reconnect one upgrade. Addresses get more than
 * users because an office or a mobile carrier puts many users behind one address.
 * For comparison: Chatwoot allows 3000 requests a minute per address and 5 logins in 5 minutes;
 * GitHub 5000 requests an hour per user and at most 80 content-creating requests a minute;
 * Mattermost (when enabled) 10 a second with bursts of 100 per address.
 * Failed logins are throttled by user-service itself as well (per account and per address).
 */
export const DEFAULT_GROUP_LIMITS: Readonly<
  Record<RateLimitGroup, Omit<GroupLimits, 'windowSeconds'>>
> = {
  auth: { perAddress: 30, perUser: 20 },
  read: { perAddress: 3000, perUser: 600 },
  write: { perAddress: 600, perUser: 120 },
  websocket: { perAddress: 120, perUser: 30 },
};

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The group a request counts against. */
export function rateLimitGroupOf(
  method: string,
  route: Pick<RouteDefinition, 'limits'>,
  upgrade: boolean,
): RateLimitGroup {
  if (upgrade) return 'websocket';
  if (READ_METHODS.has(method.toUpperCase())) return 'read';
  return route.limits === 'auth' ? 'auth' : 'write';
}

const MAX_LIMIT = 1_000_000_000;
const MAX_WINDOW_SECONDS = 86_400;

/**
 * Reads `RATE_LIMIT_ENABLED`, `RATE_LIMIT_WINDOW_SECONDS` and, per group,
 * `RATE_LIMIT_<GROUP>_PER_ADDRESS`, `_PER_USER` and `_WINDOW_SECONDS` (an empty value counts as
 * unset). Every bad value adds one line to `problems`.
 */
export function parseRateLimits(
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): RateLimits {
  const enabledRaw = value(env, 'RATE_LIMIT_ENABLED');
  let enabled = true;
  if (enabledRaw !== undefined) {
    if (enabledRaw === 'true' || enabledRaw === 'false') enabled = enabledRaw === 'true';
    else problems.push(`RATE_LIMIT_ENABLED: must be true or false (got "${enabledRaw}")`);
  }
  const window =
    integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 1, MAX_WINDOW_SECONDS, problems) ??
    DEFAULT_WINDOW_SECONDS;

  const groups = {} as Record<RateLimitGroup, GroupLimits>;
  for (const group of RATE_LIMIT_GROUPS) {
    const prefix = `RATE_LIMIT_${group.toUpperCase()}`;
    const defaults = DEFAULT_GROUP_LIMITS[group];
    groups[group] = {
      perAddress:
        integer(env, `${prefix}_PER_ADDRESS`, 0, MAX_LIMIT, problems) ?? defaults.perAddress,
      perUser: integer(env, `${prefix}_PER_USER`, 0, MAX_LIMIT, problems) ?? defaults.perUser,
      windowSeconds:
        integer(env, `${prefix}_WINDOW_SECONDS`, 1, MAX_WINDOW_SECONDS, problems) ?? window,
    };
  }
  return { enabled, groups };
}

function value(env: Readonly<Record<string, string | undefined>>, name: string) {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function integer(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
  min: number,
  max: number,
  problems: string[],
): number | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  const parsed = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isSafeInteger(parsed) && parsed >= min && parsed <= max) return parsed;
  const meaning = min === 0 ? 'requests per window, 0: no limit' : 'seconds';
  problems.push(`${name}: must be an integer from ${min} to ${max} (${meaning}) (got "${raw}")`);
  return undefined;
}
