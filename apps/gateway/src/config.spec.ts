import { ConfigError } from '@ajla/platform';
import { loadGatewaySettings, parseCorsOrigins } from './config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadGatewaySettings(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadGatewaySettings', () => {
  it('starts with safe defaults from an empty environment', () => {
    const { config, routes, corsOrigins, trustedProxies } = loadGatewaySettings({});
    expect(config.PORT).toBe(8000);
    expect(config.BODY_LIMIT_BYTES).toBe(1024 * 1024);
    expect(config.UPSTREAM_CONNECT_TIMEOUT_MS).toBe(2000);
    expect(config.UPSTREAM_TIMEOUT_MS).toBe(30_000);
    expect(config.HEALTH_TIMEOUT_MS).toBe(2000);
    expect(routes.services.size).toBe(4);
    expect(corsOrigins).toBe(false);
    expect(trustedProxies.isTrusted('127.0.0.1')).toBe(false);
  });

  it('keeps /metrics off the public port and limits rates by default, with Redis as the store', () => {
    const { config, rateLimits } = loadGatewaySettings({});
    expect(config.METRICS_PORT).toBe(9464);
    expect(config.METRICS_TOKEN).toBeUndefined();
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(rateLimits.enabled).toBe(true);
    expect(rateLimits.groups.auth.perAddress).toBeGreaterThan(0);
  });

  it('refuses bad metrics and rate-limit values with one line each', () => {
    expect(
      problemsOf({
        METRICS_PORT: '70000',
        METRICS_TOKEN: 'short',
        RATE_LIMIT_READ_PER_USER: 'many',
      }),
    ).toEqual([
      'METRICS_PORT: must be 0 (none) or an integer between 1 and 65535 (got "70000")',
      'METRICS_TOKEN: must be at least 32 printable characters without spaces (a random secret) (value hidden)',
      'RATE_LIMIT_READ_PER_USER: must be an integer from 0 to 1000000000 (requests per window, 0: no limit) (got "many")',
    ]);
  });

  it('reads the variables it is given', () => {
    const { config, routes, corsOrigins, trustedProxies } = loadGatewaySettings({
      PORT: '9000',
      BODY_LIMIT_BYTES: '2048',
      UPSTREAM_TIMEOUT_MS: '1500',
      USER_SERVICE_URL: 'http://user-service:8001',
      REQUEST_SERVICE_URL: '',
      CORS_ORIGINS: 'https://app.ajla.test, http://localhost:5173/',
      TRUSTED_PROXIES: 'private',
    });
    expect(config.PORT).toBe(9000);
    expect(config.BODY_LIMIT_BYTES).toBe(2048);
    expect(config.UPSTREAM_TIMEOUT_MS).toBe(1500);
    expect(routes.services.get('user')).toBe('http://user-service:8001');
    expect(routes.services.has('request')).toBe(false);
    expect(corsOrigins).toEqual(['https://app.ajla.test', 'http://localhost:5173']);
    expect(trustedProxies.isTrusted('10.1.1.1')).toBe(true);
  });

  it('lists every problem of every kind in one error', () => {
    expect(
      problemsOf({
        PORT: 'eighty',
        UPSTREAM_TIMEOUT_MS: '-1',
        USER_SERVICE_URL: 'user-service',
        GATEWAY_ROUTES: '[{"path": "/x"}]',
        CORS_ORIGINS: 'https://app.ajla.test/path',
        TRUSTED_PROXIES: 'ingress',
      }),
    ).toEqual([
      'UPSTREAM_TIMEOUT_MS: must be a positive integer (milliseconds) (got "-1")',
      'PORT: must be an integer between 1 and 65535 (got "eighty")',
      'GATEWAY_ROUTES[0].service: must be a service name like "user" or "billing" (lower case, digits, "-")',
      'USER_SERVICE_URL: must be an http(s) URL without path, query or credentials, e.g. http://user-service:8001 (got "user-service")',
      'CORS_ORIGINS: "https://app.ajla.test/path" is not an origin like https://app.example.com',
      'TRUSTED_PROXIES: not an IP address, CIDR range or one of loopback, private, linklocal: ingress',
    ]);
  });
});

describe('parseCorsOrigins', () => {
  it('allows every origin only when told "*"', () => {
    const problems: string[] = [];
    expect(parseCorsOrigins('*', problems)).toBe('*');
    expect(parseCorsOrigins('', problems)).toBe(false);
    expect(problems).toEqual([]);
    parseCorsOrigins('*, https://a.test', problems);
    expect(problems).toEqual(['CORS_ORIGINS: "*" cannot be combined with other origins']);
  });
});
