import {
  DynamicModule,
  Inject,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { SessionRevocations } from '@ajla/auth';
import type pino from 'pino';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY, PlatformModule, createRedisClient } from '@ajla/platform';
import { GatewaySettings } from './config';
import { EdgeRateLimiter } from './rate-limit/edge-rate-limiter';
import { LeasedSlidingWindow } from './rate-limit/leased-sliding-window';
import { RedisSlidingWindow } from './rate-limit/sliding-window';
import { ApiDocs } from './web/api-docs';
import { EdgeAuthenticator } from './web/edge-auth';
import { GatewayMetrics } from './web/gateway-metrics';
import { EventDocsController } from './web/event-docs.controller';
import { PlatformHealthController } from './web/platform-health.controller';
import { UpstreamHealth } from './web/upstream-health';
import { TokenVerifier, VerifyingEdgeAuthenticator } from './web/verifying-edge-authenticator';
import { WebSocketProxy } from './web/websocket-proxy';

export const GATEWAY_SETTINGS = Symbol('GATEWAY_SETTINGS');
export const EDGE_AUTHENTICATOR = Symbol('EDGE_AUTHENTICATOR');
const REDIS_CONNECT_WAIT_MS = 2000;

/** The rate limits' Redis client; undefined when rate limiting is off. */
export const RATE_LIMIT_REDIS = Symbol('RATE_LIMIT_REDIS');
export const RATE_LIMIT_WINDOW = Symbol('RATE_LIMIT_WINDOW');

export interface GatewayModuleOptions {
  readonly settings: GatewaySettings;
  readonly tokenVerifier: TokenVerifier;
  /** Where log lines go; stdout by default. */
  readonly logDestination?: pino.DestinationStream;
  /** The verifier's revocation list: proxied WebSockets of revoked tokens are closed. */
  readonly revocations?: Pick<SessionRevocations, 'onEntry'>;
}

/** The gateway has no domain: health aggregation, docs, metrics and the edge's collaborators. */
@Module({})
export class AppModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(RATE_LIMIT_REDIS) private readonly redis: Redis | undefined,
    @Inject(RATE_LIMIT_WINDOW) private readonly rateLimitWindow: LeasedSlidingWindow | undefined,
  ) {}

  static forRoot({
    settings,
    tokenVerifier,
    revocations,
    logDestination,
  }: GatewayModuleOptions): DynamicModule {
    const { config, routes, rateLimits } = settings;
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: 'gateway',
          logLevel: config.LOG_LEVEL,
          logDestination,
          // The platform's access log: every request through the edge, at info.
          requestLogLevel: 'info',
          metrics: {
            publicPort: true,
            port: config.METRICS_PORT,
            host: config.HOST,
            token: config.METRICS_TOKEN,
          },
        }),
      ],
      controllers: [PlatformHealthController, EventDocsController],
      providers: [
        { provide: GATEWAY_SETTINGS, useValue: settings },
        {
          provide: UpstreamHealth,
          useFactory: () => new UpstreamHealth(routes.services, config.HEALTH_TIMEOUT_MS),
        },
        { provide: ApiDocs, useFactory: () => new ApiDocs(routes, config.DOCS_CACHE_TTL_MS) },
        {
          provide: GatewayMetrics,
          useFactory: (registry: Registry) => new GatewayMetrics(registry),
          inject: [METRICS_REGISTRY],
        },
        {
          provide: EDGE_AUTHENTICATOR,
          useFactory: () => new VerifyingEdgeAuthenticator(tokenVerifier, new Logger('EdgeAuth')),
        },
        {
          // Not a readiness check: the limiter fails open, so the gateway stays ready without Redis.
          provide: RATE_LIMIT_REDIS,
          useFactory: () => (rateLimits.enabled ? createRedisClient(config) : undefined),
        },
        {
          provide: RATE_LIMIT_WINDOW,
          useFactory: (redis: Redis | undefined) =>
            redis ? new LeasedSlidingWindow(new RedisSlidingWindow(redis)) : undefined,
          inject: [RATE_LIMIT_REDIS],
        },
        {
          provide: EdgeRateLimiter,
          useFactory: (window: LeasedSlidingWindow | undefined, metrics: GatewayMetrics) =>
            window
              ? new EdgeRateLimiter(rateLimits, window, metrics, new Logger('RateLimits'))
              : undefined,
          inject: [RATE_LIMIT_WINDOW, GatewayMetrics],
        },
        {
          provide: WebSocketProxy,
          useFactory: (
            auth: EdgeAuthenticator,
            metrics: GatewayMetrics,
            rateLimiter: EdgeRateLimiter | undefined,
          ) =>
            new WebSocketProxy({
              routes,
              auth,
              metrics,
              rateLimiter,
              revocations,
              trustedProxies: settings.trustedProxies,
              handshakeTimeoutMs: config.WS_HANDSHAKE_TIMEOUT_MS,
              shutdownGraceMs: Math.min(5000, Math.floor(config.SHUTDOWN_GRACE_MS / 2)),
              log: new Logger('WebSocketProxy'),
            }),
          inject: [EDGE_AUTHENTICATOR, GatewayMetrics, EdgeRateLimiter],
        },
      ],
    };
  }

  /**
   * Gives Redis a moment to connect before the first requests arrive (until then they would pass
   * unchecked), without making the gateway's start depend on it.
   */
  async onApplicationBootstrap(): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise((resolve) => redis.once('ready', resolve)),
      new Promise((resolve) => (timer = setTimeout(resolve, REDIS_CONNECT_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  // After the HTTP server has closed, so requests in flight could still count.
  async onApplicationShutdown(): Promise<void> {
    await this.rateLimitWindow?.close();
    const redis = this.redis;
    if (!redis || redis.status === 'end') return;
    // A client still trying to reach Redis would hold QUIT in its queue for ever.
    if (redis.status !== 'ready') {
      redis.disconnect();
      return;
    }
    const ended = new Promise((resolve) => redis.once('end', resolve));
    await redis.quit().catch(() => redis.disconnect());
    await ended;
  }
}
