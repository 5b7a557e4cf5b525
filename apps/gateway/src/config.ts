import path from 'node:path';
import { IsInt, IsOptional, IsString, Min } from 'class-validator';
import {
  BaseServiceConfig,
  ConfigError,
  loadConfig,
  withMetricsConfig,
  withRedisConfig,
} from '@ajla/platform';
import { withAuthConfig } from '@ajla/auth';
import { RouteConfigError, buildRouteTable } from './routing/build-route-table';
import { RateLimits, parseRateLimits } from './rate-limit/rate-limits';
import { RouteTable } from './routing/route-table';
import { TrustedProxies } from './web/forwarded-headers';

const POSITIVE_MS = { message: 'must be a positive integer (milliseconds)' };

/**
 * The gateway's environment. Every property carries its type explicitly: SWC emits the
 * `design:type` metadata that drives conversion from strings only for annotated properties.
 * The `JWT_*` variables (how access tokens are verified) come from `@ajla/auth`, `REDIS_*` (rate
 * limits and the feed of the session revocation list) and `METRICS_*` from `@ajla/platform`; `RATE_LIMIT_*` are read by `parseRateLimits`.
 * Upstream URLs (`<NAME>_SERVICE_URL`) are read by the route table, not here: an empty value there means "not
 * configured", where `loadConfig` would apply a default.
 */
export class GatewayConfig extends withMetricsConfig(
  withRedisConfig(withAuthConfig(BaseServiceConfig)),
) {
  override PORT: number = 8000;

  /** The public port never serves /metrics without METRICS_TOKEN: scrapers use this one. */
  override METRICS_PORT: number = 9464;

  /** The gateway is the edge: its own client address is the socket's (see TRUSTED_PROXIES). */
  override TRUST_PROXY: string = '';

  /** JSON array of route lines that replace (same path), add or disable routes of the table. */
  @IsOptional()
  @IsString()
  GATEWAY_ROUTES?: string;

  /** Browser origins allowed to call the API (comma list, or `*`); empty: no cross-origin access. */
  @IsString()
  CORS_ORIGINS: string = '';

  /** Proxies in front of the gateway whose X-Forwarded-* headers are believed (IPs, CIDRs, names). */
  @IsString()
  TRUSTED_PROXIES: string = '';

  @IsInt(POSITIVE_MS)
  @Min(1, POSITIVE_MS)
  UPSTREAM_CONNECT_TIMEOUT_MS: number = 2000;

  @IsInt(POSITIVE_MS)
  @Min(1, POSITIVE_MS)
  UPSTREAM_TIMEOUT_MS: number = 30_000;

  @IsInt(POSITIVE_MS)
  @Min(1, POSITIVE_MS)
  HEALTH_TIMEOUT_MS: number = 2000;

  @IsInt({ message: 'must be a non-negative integer (milliseconds)' })
  @Min(0, { message: 'must be a non-negative integer (milliseconds)' })
  DOCS_CACHE_TTL_MS: number = 60_000;

  @IsInt(POSITIVE_MS)
  @Min(1, POSITIVE_MS)
  WS_HANDSHAKE_TIMEOUT_MS: number = 5000;

  /**
   * The built web app served at `/` (`npm run build:web` writes dist/web, which is where this
   * default points from the compiled gateway, dist/apps/gateway/src); `none`, or a folder without
   * index.html: no web app, `/` is a 404 like any unknown path.
   */
  @IsString()
  WEB_APP_DIR: string = path.resolve(__dirname, '../../../web');
}

/** `*` (any origin), a list of exact origins, or `false` (no CORS headers at all). */
export type CorsOrigins = '*' | readonly string[] | false;

/** Everything the gateway needs to start, validated together. */
export interface GatewaySettings {
  readonly config: GatewayConfig;
  readonly routes: RouteTable;
  readonly corsOrigins: CorsOrigins;
  readonly trustedProxies: TrustedProxies;
  readonly rateLimits: RateLimits;
}

/**
 * Reads and validates the whole gateway configuration. Throws one `ConfigError` listing every bad
 * variable and every inconsistent route, so an operator fixes them all in one go.
 */
export function loadGatewaySettings(
  env: Record<string, string | undefined> = process.env,
): GatewaySettings {
  const problems: string[] = [];

  let config: GatewayConfig | undefined;
  try {
    config = loadConfig(GatewayConfig, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }

  let routes: RouteTable | undefined;
  try {
    routes = buildRouteTable({ routesJson: env['GATEWAY_ROUTES'], env });
  } catch (error) {
    if (!(error instanceof RouteConfigError)) throw error;
    problems.push(...error.problems);
  }

  const corsOrigins = parseCorsOrigins(env['CORS_ORIGINS'] ?? '', problems);

  let trustedProxies = TrustedProxies.none;
  try {
    trustedProxies = TrustedProxies.parse(env['TRUSTED_PROXIES'] ?? '');
  } catch (error) {
    problems.push(`TRUSTED_PROXIES: ${(error as Error).message}`);
  }

  const rateLimits = parseRateLimits(env, problems);

  if (problems.length > 0 || !config || !routes) throw new ConfigError(problems);
  return { config, routes, corsOrigins, trustedProxies, rateLimits };
}

export function parseCorsOrigins(spec: string, problems: string[]): CorsOrigins {
  const entries = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return false;
  if (entries.includes('*')) {
    if (entries.length > 1)
      problems.push('CORS_ORIGINS: "*" cannot be combined with other origins');
    return '*';
  }
  const origins: string[] = [];
  for (const entry of entries) {
    const origin = originOf(entry);
    if (origin) origins.push(origin);
    else problems.push(`CORS_ORIGINS: "${entry}" is not an origin like https://app.example.com`);
  }
  return origins;
}

function originOf(entry: string): string | undefined {
  try {
    const url = new URL(entry);
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
    const web = url.protocol === 'http:' || url.protocol === 'https:';
    return bare && web && entry.replace(/\/$/, '') === url.origin ? url.origin : undefined;
  } catch {
    return undefined;
  }
}
