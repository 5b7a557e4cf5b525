import { DEFAULT_ROUTES, DEFAULT_SERVICE_URLS } from './default-routes';
import {
  MountedRoute,
  RouteAccess,
  RouteDefinition,
  RouteLimits,
  RouteMatch,
} from './route-definition';
import { RouteTable } from './route-table';

/** Paths the gateway answers itself; no route may cover them. */
export const RESERVED_PATHS = [
  '/health',
  '/health/live',
  '/health/ready',
  '/metrics',
  '/docs',
  '/docs-json',
];

/** Every problem found in the route configuration, one line each. */
export class RouteConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'RouteConfigError';
  }
}

export interface RouteTableSource {
  /** `GATEWAY_ROUTES`: a JSON array of route lines that replace (same path), add or disable routes. */
  readonly routesJson?: string;
  /** Where `<NAME>_SERVICE_URL` variables are read (usually `process.env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly defaults?: readonly RouteDefinition[];
  readonly defaultServiceUrls?: Readonly<Record<string, string>>;
}

/** The environment variable holding a service's base URL: `user` → `USER_SERVICE_URL`. */
export function serviceUrlVariable(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_SERVICE_URL`;
}

/**
 * Builds the mounted route table from the defaults, the operator's `GATEWAY_ROUTES` and the
 * service URLs. A default route whose service URL is set to empty is left out; anything
 * inconsistent fails with every problem listed.
 */
export function buildRouteTable(source: RouteTableSource): RouteTable {
  const defaults = source.defaults ?? DEFAULT_ROUTES;
  const defaultUrls = source.defaultServiceUrls ?? DEFAULT_SERVICE_URLS;
  const problems: string[] = [];

  const overrides = parseRouteOverrides(source.routesJson, problems);
  const byPath = new Map<string, { route: RouteDefinition; fromOperator: boolean }>();
  for (const route of defaults) byPath.set(route.path, { route, fromOperator: false });
  for (const override of overrides) {
    if (override.disabled) byPath.delete(override.path);
    else byPath.set(override.path, { route: override.route, fromOperator: true });
  }

  const mounted: MountedRoute[] = [];
  const urlProblems = new Set<string>();
  for (const { route, fromOperator } of byPath.values()) {
    const variable = serviceUrlVariable(route.service);
    const raw = source.env[variable] ?? defaultUrls[route.service];
    if (raw === undefined) {
      if (fromOperator) {
        urlProblems.add(
          `${variable}: required by the GATEWAY_ROUTES route "${route.path}" (service "${route.service}")`,
        );
      }
      continue;
    }
    // Empty (or "none"): the service is deliberately not configured, so its routes are not mounted.
    if (raw.trim() === '' || raw.trim().toLowerCase() === 'none') continue;
    const upstream = normaliseUpstream(raw);
    if (upstream === undefined) {
      urlProblems.add(
        `${variable}: must be an http(s) URL without path, query or credentials, e.g. http://user-service:8001 (got "${raw}")`,
      );
      continue;
    }
    mounted.push({ ...route, upstream });
  }
  problems.push(...urlProblems);

  for (const route of mounted) {
    const reserved = RESERVED_PATHS.find(
      (path) => covers(route, path) || isBelow(route.path, path),
    );
    if (reserved)
      problems.push(
        `GATEWAY_ROUTES: route "${route.path}" would cover the gateway's own "${reserved}"`,
      );
  }

  if (problems.length > 0) throw new RouteConfigError(problems);
  return new RouteTable(mounted);
}

interface RouteOverride {
  readonly path: string;
  readonly disabled: boolean;
  readonly route: RouteDefinition;
}

const OVERRIDE_KEYS = new Set([
  'path',
  'service',
  'access',
  'match',
  'websocket',
  'limits',
  'disabled',
]);
const SERVICE_NAME = /^[a-z][a-z0-9-]{0,39}$/;

function parseRouteOverrides(json: string | undefined, problems: string[]): RouteOverride[] {
  if (json === undefined || json.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    problems.push(`GATEWAY_ROUTES: must be a JSON array of routes (${(error as Error).message})`);
    return [];
  }
  if (!Array.isArray(parsed)) {
    problems.push('GATEWAY_ROUTES: must be a JSON array of routes');
    return [];
  }

  const overrides: RouteOverride[] = [];
  const seen = new Set<string>();
  parsed.forEach((entry: unknown, index) => {
    const where = `GATEWAY_ROUTES[${index}]`;
    const before = problems.length;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(
        `${where}: must be an object like {"path": "/api/v1/things", "service": "thing"}`,
      );
      return;
    }
    const line = entry as Record<string, unknown>;
    for (const key of Object.keys(line)) {
      if (!OVERRIDE_KEYS.has(key)) problems.push(`${where}: unknown property "${key}"`);
    }
    const path = line['path'];
    const pathProblem = checkPath(path);
    if (pathProblem) problems.push(`${where}.path: ${pathProblem}`);
    else if (seen.has(path as string))
      problems.push(`${where}.path: "${path as string}" appears twice`);
    else seen.add(path as string);

    const disabled = optionalBoolean(line, 'disabled', where, problems) ?? false;
    const websocket = optionalBoolean(line, 'websocket', where, problems) ?? false;
    const access = optionalChoice<RouteAccess>(
      line,
      'access',
      ['public', 'protected'],
      where,
      problems,
    );
    const match = optionalChoice<RouteMatch>(line, 'match', ['prefix', 'exact'], where, problems);
    const limits = optionalChoice<RouteLimits>(
      line,
      'limits',
      ['standard', 'auth'],
      where,
      problems,
    );
    const service = line['service'];
    if (!disabled && (typeof service !== 'string' || !SERVICE_NAME.test(service))) {
      problems.push(
        `${where}.service: must be a service name like "user" or "billing" (lower case, digits, "-")`,
      );
    }
    if (problems.length > before) return;

    overrides.push({
      path: path as string,
      disabled,
      route: {
        path: path as string,
        service: service as string,
        // Protected unless said otherwise: forgetting the field must not open a route.
        access: access ?? 'protected',
        match: match ?? 'prefix',
        websocket,
        ...(limits ? { limits } : {}),
      },
    });
  });
  return overrides;
}

function checkPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'must be a path starting with "/"';
  if (!path.startsWith('/')) return `must start with "/" (got "${path}")`;
  if (path.endsWith('/')) return `must not be "/" or end with "/" (got "${path}")`;
  if (!/^[A-Za-z0-9\-._~/%!$&'()+,;=@]+$/.test(path) || /[*:]/.test(path)) {
    return `must be a plain path without wildcards, parameters, query or spaces (got "${path}")`;
  }
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) {
    return `must not contain "." or ".." segments (got "${path}")`;
  }
  if (path.includes('//')) return `must not contain "//" (got "${path}")`;
  return undefined;
}

function optionalBoolean(
  line: Record<string, unknown>,
  key: string,
  where: string,
  problems: string[],
): boolean | undefined {
  const value = line[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') {
    problems.push(`${where}.${key}: must be true or false`);
    return undefined;
  }
  return value;
}

function optionalChoice<T extends string>(
  line: Record<string, unknown>,
  key: string,
  choices: readonly T[],
  where: string,
  problems: string[],
): T | undefined {
  const value = line[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !choices.includes(value as T)) {
    problems.push(`${where}.${key}: must be one of ${choices.map((c) => `"${c}"`).join(', ')}`);
    return undefined;
  }
  return value as T;
}

function normaliseUpstream(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return undefined;
  }
  const plain =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === '';
  return plain ? url.origin : undefined;
}

function covers(route: RouteDefinition, path: string): boolean {
  if (route.match === 'exact') return route.path === path;
  return path === route.path || path.startsWith(`${route.path}/`);
}

function isBelow(path: string, reserved: string): boolean {
  return path.startsWith(`${reserved}/`);
}
