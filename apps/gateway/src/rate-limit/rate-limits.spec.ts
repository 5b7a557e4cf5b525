import { DEFAULT_GROUP_LIMITS, parseRateLimits, rateLimitGroupOf } from './rate-limits';

describe('parseRateLimits', () => {
  it('uses the defaults, a one-minute window and is on when nothing is set', () => {
    const problems: string[] = [];
    const limits = parseRateLimits({}, problems);
    expect(problems).toEqual([]);
    expect(limits.enabled).toBe(true);
    expect(limits.groups.auth).toEqual({ ...DEFAULT_GROUP_LIMITS.auth, windowSeconds: 60 });
    expect(limits.groups.read.perUser).toBe(DEFAULT_GROUP_LIMITS.read.perUser);
  });

  it('reads every group, the shared window and a group window, 0 turning a limit off', () => {
    const problems: string[] = [];
    const limits = parseRateLimits(
      {
        RATE_LIMIT_WINDOW_SECONDS: '30',
        RATE_LIMIT_AUTH_PER_ADDRESS: '5',
        RATE_LIMIT_AUTH_WINDOW_SECONDS: '300',
        RATE_LIMIT_WRITE_PER_USER: '0',
        RATE_LIMIT_WEBSOCKET_PER_ADDRESS: '',
        RATE_LIMIT_ENABLED: 'false',
      },
      problems,
    );
    expect(problems).toEqual([]);
    expect(limits.enabled).toBe(false);
    expect(limits.groups.auth).toMatchObject({ perAddress: 5, windowSeconds: 300 });
    expect(limits.groups.write).toMatchObject({ perUser: 0, windowSeconds: 30 });
    expect(limits.groups.websocket.perAddress).toBe(DEFAULT_GROUP_LIMITS.websocket.perAddress);
  });

  it('reports one line per bad value', () => {
    const problems: string[] = [];
    parseRateLimits(
      {
        RATE_LIMIT_ENABLED: 'yes',
        RATE_LIMIT_WINDOW_SECONDS: '0',
        RATE_LIMIT_READ_PER_USER: '-1',
        RATE_LIMIT_WRITE_PER_ADDRESS: '1.5',
        RATE_LIMIT_AUTH_WINDOW_SECONDS: 'ten',
      },
      problems,
    );
    expect(problems).toEqual([
      'RATE_LIMIT_ENABLED: must be true or false (got "yes")',
      'RATE_LIMIT_WINDOW_SECONDS: must be an integer from 1 to 86400 (seconds) (got "0")',
      'RATE_LIMIT_AUTH_WINDOW_SECONDS: must be an integer from 1 to 86400 (seconds) (got "ten")',
      'RATE_LIMIT_READ_PER_USER: must be an integer from 0 to 1000000000 (requests per window, 0: no limit) (got "-1")',
      'RATE_LIMIT_WRITE_PER_ADDRESS: must be an integer from 0 to 1000000000 (requests per window, 0: no limit) (got "1.5")',
    ]);
  });
});

describe('rateLimitGroupOf', () => {
  it.each([
    ['POST', 'auth', false, 'auth'],
    ['DELETE', 'auth', false, 'auth'],
    ['GET', 'auth', false, 'read'],
    ['POST', undefined, false, 'write'],
    ['patch', 'standard', false, 'write'],
    ['GET', undefined, false, 'read'],
    ['HEAD', undefined, false, 'read'],
    ['OPTIONS', 'auth', false, 'read'],
    ['GET', undefined, true, 'websocket'],
  ] as const)(
    '%s on a %s line (upgrade: %s) counts against %s',
    (method, limits, upgrade, group) => {
      expect(rateLimitGroupOf(method, { limits }, upgrade)).toBe(group);
    },
  );
});
