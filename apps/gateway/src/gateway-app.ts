import path from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import fastifyCors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type pino from 'pino';
import type { SessionRevocations } from '@ajla/auth';
import { createServiceApp } from '@ajla/platform';
import { AppModule, EDGE_AUTHENTICATOR } from './app.module';
import { GatewaySettings } from './config';
import { EdgeRateLimiter } from './rate-limit/edge-rate-limiter';
import { ApiDocs } from './web/api-docs';
import { EdgeAuthenticator } from './web/edge-auth';
import { GatewayMetrics } from './web/gateway-metrics';
import { registerHttpProxy } from './web/http-proxy';
import { TokenVerifier } from './web/verifying-edge-authenticator';
import { WebSocketProxy } from './web/websocket-proxy';
import { hasWebApp, registerWebApp } from './web/web-app';

export interface GatewayAppOptions {
  readonly tokenVerifier: TokenVerifier;
  /** The verifier's revocation list: proxied WebSockets of revoked tokens are closed. */
  readonly revocations?: Pick<SessionRevocations, 'onEntry'>;
  readonly logDestination?: pino.DestinationStream;
}

/**
 * The gateway application, ready to `listen`: the platform's app (ids, logs, metrics, health,
 * shutdown) plus security headers, CORS, the proxied routes, WebSocket forwarding and the
 * combined API docs.
 */
export async function createGatewayApp(
  settings: GatewaySettings,
  options: GatewayAppOptions,
): Promise<NestFastifyApplication> {
  const { config, routes, corsOrigins } = settings;
  const app = await createServiceApp(
    AppModule.forRoot({
      settings,
      tokenVerifier: options.tokenVerifier,
      revocations: options.revocations,
      logDestination: options.logDestination,
    }),
    { serviceName: 'gateway', config },
  );
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;

  // Helmet's headers on every answer, its middleware built once (@fastify/helmet builds a new one,
  // CSP parsing included, for every request: 3-7 % of the gateway's CPU).
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      // Helmet's default policy suits the JSON API, Swagger UI at /docs and the web app (scripts
      // and styles from 'self'; the app's fetches and WebSockets go to 'self' too, which covers
      // ws:/wss: of the same host), except "upgrade-insecure-requests", which would break them on
      // a plain-HTTP port.
      directives: { upgradeInsecureRequests: null },
    },
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    securityHeaders(request.raw, reply.raw, (error) => done(error as Error | undefined));
  });
  if (corsOrigins !== false) {
    await fastify.register(fastifyCors, {
      origin: corsOrigins === '*' ? '*' : [...corsOrigins],
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: [
        'authorization',
        'content-type',
        'x-request-id',
        'x-correlation-id',
        'traceparent',
        'tracestate',
      ],
      exposedHeaders: [
        'x-request-id',
        'x-correlation-id',
        'retry-after',
        'www-authenticate',
        'ratelimit',
        'ratelimit-policy',
      ],
      // Bearer tokens, not cookies: browsers never need to send credentials cross-origin.
      credentials: false,
      maxAge: 600,
      strictPreflight: false,
    });
  }

  await registerHttpProxy(fastify, {
    routes,
    auth: app.get<EdgeAuthenticator>(EDGE_AUTHENTICATOR),
    trustedProxies: settings.trustedProxies,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
    upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
    metrics: app.get(GatewayMetrics),
    rateLimiter: app.get<EdgeRateLimiter | undefined>(EdgeRateLimiter),
    log: new Logger('HttpProxy'),
  });

  // A relative folder is taken from the working directory (the repository, under npm run up).
  const webAppDir = config.WEB_APP_DIR === 'none' ? undefined : path.resolve(config.WEB_APP_DIR);
  if (hasWebApp(webAppDir)) {
    await registerWebApp(fastify, { root: webAppDir });
  } else if (webAppDir) {
    new Logger('WebApp').log(
      'No built web app in WEB_APP_DIR (npm run build:web): / is not served',
    );
  }

  const docs = app.get(ApiDocs);
  SwaggerModule.setup(
    'docs',
    app,
    { openapi: '3.0.0', info: { title: 'AJLA API', version: '1' }, paths: {} },
    {
      raw: ['json'],
      jsonDocumentUrl: 'docs-json',
      customSiteTitle: 'AJLA API',
      patchDocumentOnRequest: () => docs.document() as never,
    },
  );

  app.get(WebSocketProxy).attach(app.getHttpServer());
  return app;
}
