import { MountedRoute } from './route-definition';

/**
 * The mounted routes and how a request path finds its route: an exact route first, then the
 * longest prefix route (so a more specific line, e.g. one added by an operator, wins).
 */
export class RouteTable {
  private readonly exact = new Map<string, MountedRoute>();
  private readonly prefixes: MountedRoute[];

  constructor(readonly routes: readonly MountedRoute[]) {
    for (const route of routes) {
      if (route.match === 'exact') this.exact.set(route.path, route);
    }
    this.prefixes = routes
      .filter((route) => route.match === 'prefix')
      .sort((a, b) => b.path.length - a.path.length);
  }

  /** The route for a request path (without query string), or undefined when none matches. */
  resolve(pathname: string): MountedRoute | undefined {
    return (
      this.exact.get(pathname) ??
      this.prefixes.find(
        (route) => pathname === route.path || pathname.startsWith(`${route.path}/`),
      )
    );
  }

  /** Base URL of every service that at least one mounted route forwards to, by service name. */
  get services(): ReadonlyMap<string, string> {
    const services = new Map<string, string>();
    for (const route of this.routes) services.set(route.service, route.upstream);
    return services;
  }

  get isEmpty(): boolean {
    return this.routes.length === 0;
  }
}

/** Router patterns (find-my-way syntax) that match exactly the paths `RouteTable.resolve` gives this route. */
export function routerPatterns(route: MountedRoute): string[] {
  return route.match === 'exact' ? [route.path] : [route.path, `${route.path}/*`];
}

/**
 * False for a path a client could use to step out of the route it matched once an upstream
 * normalises it: dot segments (also percent-encoded), backslashes, NUL, or bad escapes.
 */
export function isSafePath(pathname: string): boolean {
  // Most paths hold no escape and no dot segment: nothing to decode or split.
  if (
    pathname.startsWith('/') &&
    !pathname.includes('%') &&
    !pathname.includes('/.') &&
    !pathname.includes('\\')
  ) {
    return !pathname.includes('\0');
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  if (decoded.includes('\\') || decoded.includes('\0')) return false;
  return !decoded.split('/').some((segment) => segment === '.' || segment === '..');
}
