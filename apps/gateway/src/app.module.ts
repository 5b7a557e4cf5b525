import { DynamicModule, Logger, Module } from '@nestjs/common';
import type pino from 'pino';
import type { Registry } from 'prom-client';
import type { SessionRevocations } from '@ajla/auth';
import { METRICS_REGISTRY, PlatformModule } from '@ajla/platform';
import { GatewaySettings } from './config';
import { ApiDocs } from './web/api-docs';
import { EdgeAuthenticator } from './web/edge-auth';
import { GatewayMetrics } from './web/gateway-metrics';
import { PlatformHealthController } from './web/platform-health.controller';
import { UpstreamHealth } from './web/upstream-health';
import { TokenVerifier, VerifyingEdgeAuthenticator } from './web/verifying-edge-authenticator';
import { WebSocketProxy } from './web/websocket-proxy';

export const GATEWAY_SETTINGS = Symbol('GATEWAY_SETTINGS');
export const EDGE_AUTHENTICATOR = Symbol('EDGE_AUTHENTICATOR');

export interface GatewayModuleOptions {
  readonly settings: GatewaySettings;
  readonly tokenVerifier: TokenVerifier;
  /** The verifier's revocation list: proxied WebSockets of revoked tokens are closed. */
  readonly revocations?: Pick<SessionRevocations, 'onEntry'>;
  /** Where log lines go; stdout by default. */
  readonly logDestination?: pino.DestinationStream;
}

/** The gateway has no domain: health aggregation, docs, metrics and the edge's collaborators. */
@Module({})
export class AppModule {
  static forRoot({
    settings,
    tokenVerifier,
    revocations,
    logDestination,
  }: GatewayModuleOptions): DynamicModule {
    const { config, routes } = settings;
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: 'gateway',
          logLevel: config.LOG_LEVEL,
          logDestination,
        }),
      ],
      controllers: [PlatformHealthController],
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
          provide: WebSocketProxy,
          useFactory: (auth: EdgeAuthenticator, metrics: GatewayMetrics) =>
            new WebSocketProxy({
              routes,
              auth,
              metrics,
              trustedProxies: settings.trustedProxies,
              maxPayloadBytes: config.WS_MAX_PAYLOAD_BYTES,
              handshakeTimeoutMs: config.WS_HANDSHAKE_TIMEOUT_MS,
              shutdownGraceMs: Math.min(5000, Math.floor(config.SHUTDOWN_GRACE_MS / 2)),
              log: new Logger('WebSocketProxy'),
              revocations,
            }),
          inject: [EDGE_AUTHENTICATOR, GatewayMetrics],
        },
      ],
    };
  }
}
