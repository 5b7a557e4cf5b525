import { DEFAULT_ROUTES } from './default-routes';
import { RouteConfigError, buildRouteTable, serviceUrlVariable } from './build-route-table';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof RouteConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a RouteConfigError');
}

describe('buildRouteTable', () => {
  it('mounts every default route on the default local URLs', () => {
    const table = buildRouteTable({ env: {} });
    expect(table.routes).toHaveLength(DEFAULT_ROUTES.length);
    expect(Object.fromEntries(table.services)).toEqual({
      user: 'http://127.0.0.1:8001',
      request: 'http://127.0.0.1:8002',
      conversation: 'http://127.0.0.1:8003',
      notification: 'http://127.0.0.1:8004',
    });
  });

  it('routes the API of API.md to the right services', () => {
    const table = buildRouteTable({ env: {} });
    const expectations: [string, string, 'public' | 'protected'][] = [
      ['/api/v1/auth/register', 'user', 'public'],
      ['/api/v1/auth/login', 'user', 'public'],
      ['/api/v1/auth/refresh', 'user', 'public'],
      ['/api/v1/auth/logout', 'user', 'protected'],
      ['/.well-known/jwks.json', 'user', 'public'],
      ['/api/v1/users/me', 'user', 'protected'],
      ['/api/v1/admin/users', 'user', 'protected'],
      ['/api/v1/admin/users/0190e6a0-0000-7000-8000-000000000000', 'user', 'protected'],
      ['/api/v1/requests', 'request', 'protected'],
      ['/api/v1/requests/1/cancel', 'request', 'protected'],
      ['/api/v1/admin/requests/1/assign', 'request', 'protected'],
      ['/api/v1/conversations/1', 'conversation', 'protected'],
      ['/api/v1/messages', 'conversation', 'protected'],
      ['/ws/chat/1', 'conversation', 'protected'],
      ['/api/v1/notifications/read-all', 'notification', 'protected'],
      ['/api/v1/admin/webhooks/1/deliveries', 'notification', 'protected'],
      ['/ws/notifications', 'notification', 'protected'],
    ];
    for (const [path, service, access] of expectations) {
      expect({
        path,
        service: table.resolve(path)?.service,
        access: table.resolve(path)?.access,
      }).toEqual({
        path,
        service,
        access,
      });
    }
    expect(table.resolve('/ws/chat/1')?.websocket).toBe(true);
    expect(table.resolve('/ws/notifications')?.websocket).toBe(true);
    expect(table.resolve('/api/v1/requests')?.websocket).toBe(false);
    expect(table.resolve('/api/v1/users/someone-else')).toBeUndefined();
  });

  it('leaves out the routes of a service whose URL is set to empty or "none"', () => {
    const table = buildRouteTable({
      env: {
        REQUEST_SERVICE_URL: '',
        CONVERSATION_SERVICE_URL: ' ',
        NOTIFICATION_SERVICE_URL: 'none',
      },
    });
    expect([...table.services.keys()]).toEqual(['user']);
    expect(table.resolve('/api/v1/requests')).toBeUndefined();
    expect(table.resolve('/ws/chat/1')).toBeUndefined();
  });

  it('takes service URLs from <NAME>_SERVICE_URL, reduced to their origin', () => {
    const table = buildRouteTable({ env: { USER_SERVICE_URL: 'http://user-service:8001/' } });
    expect(table.services.get('user')).toBe('http://user-service:8001');
  });

  it('lets GATEWAY_ROUTES add a service, replace a route and disable one', () => {
    const table = buildRouteTable({
      routesJson: JSON.stringify([
        { path: '/api/v1/billing', service: 'billing-v2' },
        { path: '/api/v1/auth', service: 'user', access: 'protected' },
        { path: '/api/v1/admin/webhooks', disabled: true },
        {
          path: '/ws/billing',
          service: 'billing-v2',
          websocket: true,
          match: 'exact',
          access: 'public',
        },
      ]),
      env: { BILLING_V2_SERVICE_URL: 'http://billing:9000' },
    });
    expect(table.resolve('/api/v1/billing/invoices')).toMatchObject({
      service: 'billing-v2',
      upstream: 'http://billing:9000',
      access: 'protected',
      match: 'prefix',
      websocket: false,
    });
    expect(table.resolve('/api/v1/auth/login')?.access).toBe('protected');
    expect(table.resolve('/api/v1/admin/webhooks')).toBeUndefined();
    expect(table.resolve('/ws/billing')).toMatchObject({
      websocket: true,
      access: 'public',
      match: 'exact',
    });
  });

  it('names the variable of a service', () => {
    expect(serviceUrlVariable('user')).toBe('USER_SERVICE_URL');
    expect(serviceUrlVariable('billing-v2')).toBe('BILLING_V2_SERVICE_URL');
  });

  it('refuses GATEWAY_ROUTES that is not a JSON array', () => {
    expect(problemsOf(() => buildRouteTable({ routesJson: '{"path": "/x"', env: {} }))[0]).toMatch(
      /^GATEWAY_ROUTES: must be a JSON array of routes/,
    );
    expect(problemsOf(() => buildRouteTable({ routesJson: '{}', env: {} }))).toEqual([
      'GATEWAY_ROUTES: must be a JSON array of routes',
    ]);
  });

  it('lists every bad route line at once', () => {
    const problems = problemsOf(() =>
      buildRouteTable({
        routesJson: JSON.stringify([
          { path: 'api/x', service: 'x' },
          { path: '/api/*', service: 'x' },
          { path: '/api/y/', service: 'x' },
          { path: '/api/z', service: 'Bad Name', access: 'open', websocket: 'yes', colour: 'red' },
          { path: '/api/../etc', service: 'x' },
          { path: '/api/dup', service: 'x' },
          { path: '/api/dup', service: 'x' },
          'nope',
        ]),
        env: { X_SERVICE_URL: 'http://x:1' },
      }),
    );
    expect(problems).toEqual([
      'GATEWAY_ROUTES[0].path: must start with "/" (got "api/x")',
      'GATEWAY_ROUTES[1].path: must be a plain path without wildcards, parameters, query or spaces (got "/api/*")',
      'GATEWAY_ROUTES[2].path: must not be "/" or end with "/" (got "/api/y/")',
      'GATEWAY_ROUTES[3]: unknown property "colour"',
      'GATEWAY_ROUTES[3].websocket: must be true or false',
      'GATEWAY_ROUTES[3].access: must be one of "public", "protected"',
      'GATEWAY_ROUTES[3].service: must be a service name like "user" or "billing" (lower case, digits, "-")',
      'GATEWAY_ROUTES[4].path: must not contain "." or ".." segments (got "/api/../etc")',
      'GATEWAY_ROUTES[6].path: "/api/dup" appears twice',
      'GATEWAY_ROUTES[7]: must be an object like {"path": "/api/v1/things", "service": "thing"}',
    ]);
  });

  it('requires the URL of a service only a GATEWAY_ROUTES line names', () => {
    expect(
      problemsOf(() =>
        buildRouteTable({
          routesJson: '[{"path": "/api/v1/billing", "service": "billing"}]',
          env: {},
        }),
      ),
    ).toEqual([
      'BILLING_SERVICE_URL: required by the GATEWAY_ROUTES route "/api/v1/billing" (service "billing")',
    ]);
  });

  it('refuses service URLs that are not plain http(s) origins', () => {
    const problems = problemsOf(() =>
      buildRouteTable({
        env: {
          USER_SERVICE_URL: 'user-service:8001',
          REQUEST_SERVICE_URL: 'http://request:8002/api',
          CONVERSATION_SERVICE_URL: 'ftp://conversation',
          NOTIFICATION_SERVICE_URL: 'http://admin:secret@notification:8004',
        },
      }),
    );
    expect(problems).toHaveLength(4);
    expect(problems[0]).toBe(
      'USER_SERVICE_URL: must be an http(s) URL without path, query or credentials, e.g. http://user-service:8001 (got "user-service:8001")',
    );
  });

  it("refuses a route that would cover the gateway's own paths", () => {
    const problems = problemsOf(() =>
      buildRouteTable({
        routesJson: JSON.stringify([
          { path: '/health', service: 'user' },
          { path: '/docs/extra', service: 'user' },
          { path: '/metrics', service: 'user', match: 'exact' },
          { path: '/metrics/federate', service: 'request' },
        ]),
        env: {},
      }),
    );
    expect(problems).toEqual([
      'GATEWAY_ROUTES: route "/health" would cover the gateway\'s own "/health"',
      'GATEWAY_ROUTES: route "/docs/extra" would cover the gateway\'s own "/docs"',
      'GATEWAY_ROUTES: route "/metrics" would cover the gateway\'s own "/metrics"',
      'GATEWAY_ROUTES: route "/metrics/federate" would cover the gateway\'s own "/metrics"',
    ]);
  });

  it("routes nothing to a service's /metrics by default", () => {
    const table = buildRouteTable({ env: {} });
    for (const path of ['/metrics', '/metrics/x', '/api/v1/metrics', '/ws/metrics']) {
      expect(table.resolve(path)).toBeUndefined();
    }
    expect(
      table.routes.every(
        (route) =>
          route.path.startsWith('/api/') ||
          route.path.startsWith('/ws/') ||
          route.path === '/.well-known/jwks.json',
      ),
    ).toBe(true);
  });

  it('marks the auth lines for the auth rate limits and reads "limits" from GATEWAY_ROUTES', () => {
    const table = buildRouteTable({
      routesJson: JSON.stringify([
        { path: '/api/v1/billing/login', service: 'billing', access: 'public', limits: 'auth' },
        { path: '/api/v1/billing', service: 'billing' },
      ]),
      env: { BILLING_SERVICE_URL: 'http://billing:8005' },
    });
    expect(table.resolve('/api/v1/auth/login')?.limits).toBe('auth');
    expect(table.resolve('/api/v1/auth/logout')?.limits).toBe('auth');
    expect(table.resolve('/api/v1/requests')?.limits).toBeUndefined();
    expect(table.resolve('/api/v1/billing/login')?.limits).toBe('auth');
    expect(table.resolve('/api/v1/billing/x')?.limits).toBeUndefined();
    expect(
      problemsOf(() =>
        buildRouteTable({
          routesJson: JSON.stringify([{ path: '/api/v1/x', service: 'x', limits: 'tight' }]),
          env: { X_SERVICE_URL: 'http://x:1' },
        }),
      ),
    ).toEqual(['GATEWAY_ROUTES[0].limits: must be one of "standard", "auth"']);
  });
});
