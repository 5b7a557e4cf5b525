/** Who may call a route: anyone, or only a caller with a valid access token (checked at the edge). */
export type RouteAccess = 'public' | 'protected';

/** `prefix`: the path itself and everything below it (`/a` matches `/a` and `/a/b`, not `/ab`). */
export type RouteMatch = 'prefix' | 'exact';

/**
 * Which rate limits a line's writes count against: `auth` (the tight per-address limits of
 * register, login, refresh, logout) or `standard` (the `write` group). Reads and WebSocket
 * upgrades count against `read` and `websocket` either way.
 */
export type RouteLimits = 'standard' | 'auth';

/** One line of the route table, before upstream URLs are known. */
export interface RouteDefinition {
  readonly path: string;
  readonly match: RouteMatch;
  /** Upstream service name; its base URL comes from `<NAME>_SERVICE_URL`. */
  readonly service: string;
  readonly access: RouteAccess;
  /** Whether WebSocket upgrades on this route are forwarded (plain HTTP always is). */
  readonly websocket: boolean;
  /** Absent: `standard`. */
  readonly limits?: RouteLimits;
}

/** A route whose upstream is configured: what the gateway actually mounts. */
export interface MountedRoute extends RouteDefinition {
  readonly upstream: string;
}
