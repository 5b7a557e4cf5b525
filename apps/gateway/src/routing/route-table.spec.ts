import { MountedRoute } from './route-definition';
import { RouteTable, isSafePath, routerPatterns } from './route-table';

function mounted(path: string, service: string, extra: Partial<MountedRoute> = {}): MountedRoute {
  return {
    path,
    service,
    match: 'prefix',
    access: 'protected',
    websocket: false,
    upstream: `http://${service}:80`,
    ...extra,
  };
}

describe('RouteTable.resolve', () => {
  const table = new RouteTable([
    mounted('/api/v1/auth', 'user', { access: 'public' }),
    mounted('/api/v1/admin/users', 'user'),
    mounted('/api/v1/admin', 'admin'),
    mounted('/api/v1/messages', 'conversation', { match: 'exact' }),
    mounted('/ws/chat', 'conversation', { websocket: true }),
  ]);

  it.each([
    ['/api/v1/auth', 'user'],
    ['/api/v1/auth/login', 'user'],
    ['/api/v1/auth/', 'user'],
    ['/api/v1/admin/users', 'user'],
    ['/api/v1/admin/users/42', 'user'],
    ['/api/v1/admin/requests', 'admin'],
    ['/api/v1/messages', 'conversation'],
    ['/ws/chat/5b6f', 'conversation'],
  ])('routes %s to %s', (path, service) => {
    expect(table.resolve(path)?.service).toBe(service);
  });

  it.each([
    '/api/v1/authx',
    '/api/v1/messages/1',
    '/api/v1',
    '/',
    '/health',
    '/api/v1/administrator',
  ])('routes nothing for %s', (path) => {
    expect(table.resolve(path)).toBeUndefined();
  });

  it('prefers the longest prefix, whatever the order of the lines', () => {
    const reversed = new RouteTable([...table.routes].reverse());
    expect(reversed.resolve('/api/v1/admin/users/1')?.service).toBe('user');
  });

  it('lists each upstream service once, with its URL', () => {
    expect([...table.services]).toEqual([
      ['user', 'http://user:80'],
      ['admin', 'http://admin:80'],
      ['conversation', 'http://conversation:80'],
    ]);
  });
});

describe('routerPatterns', () => {
  it('mounts a prefix route on the path itself and everything below it', () => {
    expect(routerPatterns(mounted('/api/v1/requests', 'request'))).toEqual([
      '/api/v1/requests',
      '/api/v1/requests/*',
    ]);
  });

  it('mounts an exact route on its path only', () => {
    expect(routerPatterns(mounted('/.well-known/jwks.json', 'user', { match: 'exact' }))).toEqual([
      '/.well-known/jwks.json',
    ]);
  });
});

describe('isSafePath', () => {
  it.each(['/api/v1/users/me', '/api/v1/files/a.b', '/api/v1/x/...', '/ws/chat/%F0%9F%98%80'])(
    'accepts %s',
    (path) => {
      expect(isSafePath(path)).toBe(true);
    },
  );

  it.each([
    '..',
    '/api/v1/x\0',
    '/api/v1/auth/../admin/users',
    '/api/v1/auth/%2e%2e/admin/users',
    '/api/v1/auth/%2E%2E%2Fadmin',
    '/api/v1/auth/./x',
    '/api/v1/auth/..',
    '/api/v1/auth\\..\\admin',
    '/api/v1/auth/%00',
    '/api/v1/auth/%zz',
  ])('refuses %s', (path) => {
    expect(isSafePath(path)).toBe(false);
  });
});
