import { ConfigError, loadConfig } from '@ajla/platform';
import { UserServiceConfig } from './user-service.config';

describe('UserServiceConfig', () => {
  it('has defaults for everything, PORT 8001 included', () => {
    const config = loadConfig(UserServiceConfig, {});
    expect(config.PORT).toBe(8001);
    expect(config.JWT_ACCESS_TTL_SECONDS).toBe(900);
    expect(config.sessionLifetimeSeconds).toBe(30 * 24 * 3600);
    expect(config.loginThrottlePolicy).toEqual({
      maxFailuresPerAccount: 10,
      maxFailuresPerAddress: 100,
      windowSeconds: 900,
    });
    expect(config.bootstrapAdmin).toBeUndefined();
  });

  it('reads numbers from their text', () => {
    const config = loadConfig(UserServiceConfig, {
      PORT: '9001',
      REFRESH_TOKEN_TTL_DAYS: '7',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '20',
    });
    expect(config.PORT).toBe(9001);
    expect(config.sessionLifetimeSeconds).toBe(7 * 24 * 3600);
    expect(config.loginThrottlePolicy.maxFailuresPerAddress).toBe(20);
  });

  it('reads the bootstrap admin', () => {
    const config = loadConfig(UserServiceConfig, {
      ADMIN_EMAIL: 'root@ajla.test',
      ADMIN_PASSWORD: 'long enough',
    });
    expect(config.bootstrapAdmin).toEqual({
      email: 'root@ajla.test',
      password: 'long enough',
      fullName: undefined,
    });
  });

  it.each([
    [{ ADMIN_EMAIL: 'root@ajla.test' }, /ADMIN_PASSWORD: .*required when ADMIN_EMAIL/],
    [{ ADMIN_PASSWORD: 'long enough' }, /ADMIN_EMAIL: /],
    [
      { ADMIN_EMAIL: 'root@ajla.test', ADMIN_PASSWORD: 'short' },
      /ADMIN_PASSWORD: must be at least 8 characters \(value hidden\)/,
    ],
    [{ PORT: 'abc' }, /PORT: must be an integer/],
    [{ JWT_ACCESS_TTL_SECONDS: '5' }, /JWT_ACCESS_TTL_SECONDS: /],
    [{ REFRESH_TOKEN_TTL_DAYS: '0' }, /REFRESH_TOKEN_TTL_DAYS: /],
  ])('refuses %p with a clear line', (env, message) => {
    expect(() => loadConfig(UserServiceConfig, env)).toThrow(ConfigError);
    expect(() => loadConfig(UserServiceConfig, env)).toThrow(message);
  });
});
