import createClient, { type Middleware } from 'openapi-fetch';
import type { Session } from '../auth/session';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ApiClient = ReturnType<typeof createClient<paths>>;

/** Operations that take no access token (API: every endpoint but register, login, refresh). */
const PUBLIC_PATHS = new Set([
  '/api/v1/auth/register',
  '/api/v1/auth/login',
  '/api/v1/auth/refresh',
]);

/** An answer outside 2xx, with the API's `{"detail", "code"}`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly code?: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/**
 * The typed client of the gateway's API (types generated from its OpenAPI document, see
 * tools/api-types.js). Every protected call carries the session's access token; one refused with
 * 401 is refreshed once and sent again, so an expired token never reaches the user.
 */
export function createApiClient(options: {
  session: Session;
  baseUrl?: string;
  fetch?: typeof fetch;
}): ApiClient {
  const fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const client = createClient<paths>({ baseUrl: options.baseUrl ?? '', fetch: fetchFn });
  client.use(bearerAuth(options.session, fetchFn));
  return client;
}

function bearerAuth(session: Session, fetchFn: typeof fetch): Middleware {
  // The request as first sent, to send again after a refresh (its body is read once).
  const originals = new Map<string, { request: Request; token: string }>();
  return {
    async onRequest({ request, schemaPath, id }) {
      if (PUBLIC_PATHS.has(schemaPath)) return undefined;
      const token = await session.accessToken();
      if (!token) return undefined;
      request.headers.set('authorization', `Bearer ${token}`);
      originals.set(id, { request: request.clone(), token });
      return request;
    },
    async onResponse({ response, id }) {
      const original = originals.get(id);
      originals.delete(id);
      if (response.status !== 401 || !original) return undefined;
      const token = await session.refresh(original.token);
      if (!token) return undefined;
      original.request.headers.set('authorization', `Bearer ${token}`);
      return fetchFn(original.request);
    },
    onError({ id }) {
      originals.delete(id);
    },
  };
}

/**
 * The data of an openapi-fetch answer, or an `ApiError` thrown (for TanStack Query): the API's
 * `detail` when the body has one.
 */
export function unwrap<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.response.ok) return answer.data as T;
  const body = (answer.error ?? {}) as { detail?: unknown; code?: unknown };
  throw new ApiError(
    answer.response.status,
    typeof body.detail === 'string' ? body.detail : answer.response.statusText,
    typeof body.code === 'string' ? body.code : undefined,
  );
}
