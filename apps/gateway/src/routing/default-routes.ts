import { RouteDefinition } from './route-definition';

/**
 * The platform's route table. A service joins by a line here (or, without a release, by
 * `GATEWAY_ROUTES`); a line whose service has no URL configured is not mounted.
 */
export const DEFAULT_ROUTES: readonly RouteDefinition[] = [
  // Register, login, refresh and the JWKS are public; logout needs the access token (API.md).
  route('/api/v1/auth', 'user', 'public', { limits: 'auth' }),
  route('/api/v1/auth/logout', 'user', 'protected', { match: 'exact', limits: 'auth' }),
  route('/.well-known/jwks.json', 'user', 'public', { match: 'exact' }),
  // The caller's own profile only: other paths under /api/v1/users are not part of the API.
  route('/api/v1/users/me', 'user', 'protected'),
  route('/api/v1/admin/users', 'user', 'protected'),

  route('/api/v1/requests', 'request', 'protected'),
  route('/api/v1/admin/requests', 'request', 'protected'),

  route('/api/v1/conversations', 'conversation', 'protected'),
  route('/api/v1/messages', 'conversation', 'protected'),
  route('/ws/chat', 'conversation', 'protected', { websocket: true }),

  route('/api/v1/notifications', 'notification', 'protected'),
  route('/api/v1/admin/webhooks', 'notification', 'protected'),
  route('/ws/notifications', 'notification', 'protected', { websocket: true }),
];

/** Base URLs used when `<NAME>_SERVICE_URL` is not set at all (an empty value disables the service). */
export const DEFAULT_SERVICE_URLS: Readonly<Record<string, string>> = {
  user: 'http://127.0.0.1:8001',
  request: 'http://127.0.0.1:8002',
  conversation: 'http://127.0.0.1:8003',
  notification: 'http://127.0.0.1:8004',
};

function route(
  path: string,
  service: string,
  access: RouteDefinition['access'],
  options: {
    match?: RouteDefinition['match'];
    websocket?: boolean;
    limits?: RouteDefinition['limits'];
  } = {},
): RouteDefinition {
  return {
    path,
    service,
    access,
    match: options.match ?? 'prefix',
    websocket: options.websocket ?? false,
    ...(options.limits ? { limits: options.limits } : {}),
  };
}
