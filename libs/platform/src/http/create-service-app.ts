import { AsyncResource } from 'node:async_hooks';
import { IncomingMessage } from 'node:http';
import { trace } from '@opentelemetry/api';
import { INestApplication, LoggerService } from '@nestjs/common';
import { IEntryNestModule, NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { errorCodes, type FastifyInstance, type FastifyRequest } from 'fastify';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { BaseServiceConfig } from '../config/base-service.config';
import { WsGatewayAdapter } from '../realtime/ws-gateway-adapter';
import { answerClientError, answerFrameworkError } from './client-errors';
import { DomainExceptionFilter } from './domain-exception.filter';
import {
  CORRELATION_ID_HEADER,
  REQUEST_ID_HEADER,
  TRACEPARENT_HEADER,
  createRequestContext,
  isSafeId,
  newRequestId,
  runWithRequestContext,
} from './request-context';
import { transportStrategyOf } from './transport-strategy';
import { installLiveness, readinessOf } from '../health/readiness';
import { stopTracing } from '../observability/tracing';
import { checkUntrustedInput } from './untrusted-input';
import { createValidationPipe } from './validation.pipe';

export interface ServiceAppOptions {
  serviceName: string;
  config: BaseServiceConfig;
  openApi?: { title: string; description?: string; version: string };
}

/**
 * A Nest application on Fastify with everything a service shares: request ids and correlation
 * context, JSON logs, the error filter, the validation pipe, OpenAPI at `/docs`, WebSocket
 * gateways on `WsGatewayAdapter`, the module's `TRANSPORT_STRATEGY` (event consumers) if any, and
 * graceful shutdown on SIGTERM/SIGINT. It does not listen:
 * `await app.startAllMicroservices(); await app.listen(config.PORT, config.HOST)`.
 */
export async function createServiceApp(
  module: IEntryNestModule,
  { serviceName, config, openApi }: ServiceAppOptions,
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Services sit behind the gateway: the client address comes from X-Forwarded-For, believed
    // only when the peer is one of TRUST_PROXY (internal addresses by default).
    trustProxy: config.TRUST_PROXY.trim() === '' ? false : config.TRUST_PROXY,
    requestIdHeader: false,
    genReqId: (req: IncomingMessage) => {
      const incoming = req.headers[REQUEST_ID_HEADER];
      return isSafeId(incoming) ? incoming : newRequestId();
    },
    // Answered by our own hook below, in the error shape of the API.
    return503OnClosing: false,
    // Advertised in `Keep-Alive: timeout=5`: clients (the gateway's pool) close an idle
    // connection themselves before that, so a draining service can wait for them to instead of
    // closing a connection a request may be crossing (see waitForConnectionsToEnd).
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // What Node's HTTP parser and Fastify's router refuse before any hook runs, in that shape
    // too. (This replaces the adapter's own `frameworkErrors`, which only adds the headers of
    // Nest's `useSecurityHeaders()`, not used here.)
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    logger: false,
  });
  const fastify = adapter.getInstance();
  // JSON only: a text/plain body would reach a DTO as a string. Other types answer 415.
  fastify.removeContentTypeParser('text/plain');
  const drain = installRequestContext(fastify);
  installUntrustedInputChecks(fastify); // after: its refusals are logged in the request's context
  installLiveness(fastify);

  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    bufferLogs: true,
    bodyParser: false, // ours (installUntrustedInputChecks), its errors mapped by the filter
    abortOnError: false,
  });
  const logger = useJsonLogger(app);
  app.useGlobalFilters(new DomainExceptionFilter());
  app.useGlobalPipes(createValidationPipe());
  // WebSocket gateways (`@WebSocketGateway({ path })`) share the HTTP server.
  const webSockets = new WsGatewayAdapter(app.getHttpServer());
  app.useWebSocketAdapter(webSockets);
  // Event consumers: @EventPattern handlers, under the same filter (which hands their errors back
  // to the transport unchanged), pipe and guards. Connected after those are set: Nest reads them
  // when it registers the handlers, here.
  const transport = transportStrategyOf(app);
  if (transport) app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });

  if (openApi) {
    SwaggerModule.setup('docs', app, () => serviceOpenApiDocument(app, openApi), {
      jsonDocumentUrl: 'docs-json',
    });
  }

  installShutdown(app, {
    serviceName,
    graceMs: config.SHUTDOWN_GRACE_MS,
    logger,
    onShutdownStart: async () => {
      drain();
      webSockets.drain();
      await waitForConnectionsToEnd(
        app.getHttpServer(),
        Math.min(KEEP_ALIVE_TIMEOUT_MS, config.SHUTDOWN_GRACE_MS / 2),
      );
    },
  });
  return app;
}

/**
 * The service's OpenAPI document, as served at `/docs-json`. Also called on an application created
 * with `{ preview: true }` (no provider instantiated, nothing connected), which is how
 * `tools/api-types.js` builds the web app's typed client without a running platform.
 */
export function serviceOpenApiDocument(
  app: INestApplication,
  openApi: NonNullable<ServiceAppOptions['openApi']>,
): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(openApi.title)
    .setDescription(openApi.description ?? '')
    .setVersion(openApi.version)
    .addBearerAuth()
    .addSecurityRequirements('bearer') // every route but the public ones needs the token
    .build();
  return withOpenPublicOperations(SwaggerModule.createDocument(app, config));
}

/**
 * Public routes are marked with the requirement `{}` ("no credentials"), as Nest's document builder
 * drops an empty list; `security: []` is OpenAPI's own spelling for "this operation needs none"
 * under a document-wide requirement, and what client generators understand.
 */
export function withOpenPublicOperations(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Array<{ security?: unknown[] }>) {
      const security = operation?.security;
      if (security?.length === 1 && Object.keys(security[0] as object).length === 0) {
        operation.security = [];
      }
    }
  }
  return document;
}

function useJsonLogger(app: NestFastifyApplication): LoggerService {
  let logger: LoggerService;
  try {
    logger = app.get(PinoNestLogger);
  } catch {
    throw new Error(
      'createServiceApp needs PlatformModule.forRoot() among the imports of the root module',
    );
  }
  app.useLogger(logger);
  return logger;
}

/**
 * JSON bodies and query strings meet the rules of `checkUntrustedInput` (depth, prototype keys,
 * text Postgres cannot store) before the validation pipe sees them. Fastify's own JSON parser
 * is replaced: `JSON.parse` copes with deep input, and the check walks the result once.
 */
function installUntrustedInputChecks(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    (_request, body: string | Buffer, done) => {
      if (body.length === 0) return done(new errorCodes.FST_ERR_CTP_EMPTY_JSON_BODY(), undefined);
      const text = body.toString();
      let value: unknown;
      try {
        // A leading byte-order mark is tolerated, as Fastify's own parser did.
        value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
      } catch {
        return done(new errorCodes.FST_ERR_CTP_INVALID_JSON_BODY(), undefined);
      }
      try {
        checkUntrustedInput(value, { what: 'JSON body' });
      } catch (error) {
        return done(error as Error, undefined);
      }
      done(null, value);
    },
  );
  fastify.addHook('preValidation', (request, _reply, done) => {
    try {
      checkUntrustedInput(request.query, { what: 'query' });
    } catch (error) {
      return done(error as Error);
    }
    done();
  });
}

/**
 * Every request runs inside its `RequestContext` (AsyncLocalStorage), so logs and outgoing calls
 * carry its correlation id and trace. Returns a function that starts the drain: from then on every
 * answer closes its connection.
 *
 * A draining service still serves what reaches it, on new connections as on kept-alive ones: it
 * is fully up (Postgres, Redis and the broker close after the HTTP server), and a load balancer
 * keeps sending to it until it has seen readiness go false. Refusing those requests (a 503)
 * would fail them, POSTs included, which a proxy cannot replay. Closing each connection after its
 * answer moves the clients' next requests to other replicas; the HTTP server stops listening
 * once the consumers have stopped, and waits for the requests in hand.
 */
export function installRequestContext(fastify: FastifyInstance): () => void {
  const scopes = new WeakMap<FastifyRequest, AsyncResource>();
  let draining = false;

  fastify.addHook('onRequest', (request, reply, done) => {
    const context = createRequestContext({
      requestId: request.id,
      correlationId: request.headers[CORRELATION_ID_HEADER],
      traceparent: request.headers[TRACEPARENT_HEADER],
    });
    reply.header(REQUEST_ID_HEADER, context.requestId);
    reply.header(CORRELATION_ID_HEADER, context.correlationId);
    // The HTTP instrumentation names its server span after the method only; the route says more.
    if (context.trace !== undefined) nameServerSpan(request);
    runWithRequestContext(context, done);
  });
  // Reading the body happens in the socket's async context, not the request's: the context (set
  // by the hook above) is captured here, after every onRequest step, and re-entered once the body
  // is parsed.
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    scopes.set(request, new AsyncResource('ajla.request'));
    done(null, payload);
  });
  fastify.addHook('preValidation', (request, _reply, done) => {
    const scope = scopes.get(request);
    if (scope) scope.runInAsyncScope(done);
    else done();
  });
  // A kept-alive connection would hold the closing server open after its last answer.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('preClose', (done) => {
    draining = true;
    done();
  });
  return () => {
    draining = true;
  };
}

function nameServerSpan(request: FastifyRequest): void {
  const route = request.routeOptions.url;
  const span = trace.getActiveSpan();
  if (!span || route === undefined) return;
  span.updateName(`${request.method} ${route}`);
  span.setAttribute('http.route', route);
}

/** How long a service keeps an idle client connection open. */
export const KEEP_ALIVE_TIMEOUT_MS = 5000;

/**
 * Resolves once `server` has no connection left, or after `limitMs`. While a service drains, each
 * answer closes its connection, and clients close their idle kept-alive ones before the advertised
 * keep-alive timeout; closing those from the server's side instead (as `server.close()` does)
 * races a request the client may be sending on one at that moment, which then fails unanswered:
 * a POST that no proxy may replay.
 */
export async function waitForConnectionsToEnd(
  server: { getConnections(callback: (error: Error | null, count: number) => void): unknown },
  limitMs: number,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  const count = () =>
    new Promise<number>((resolve) => server.getConnections((error, n) => resolve(error ? 0 : n)));
  while (Date.now() < deadline && (await count()) > 0) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface ShutdownOptions {
  serviceName: string;
  graceMs: number;
  logger: LoggerService;
  /** Runs first; the application closes once it has resolved. */
  onShutdownStart?: () => void | Promise<void>;
  exit?: (code: number) => void;
}

/**
 * SIGTERM/SIGINT: readiness false at once, then `onShutdownStart` (the drain: answers close their
 * connections, clients close their idle ones), then Nest's shutdown hooks (consumers stop and ack, the HTTP
 * server stops listening and waits for requests in flight, then Postgres and Redis close), then
 * the spans not yet exported are flushed (tracing on), then exit. If that takes longer than
 * the grace period, exit anyway. Returns the handler (tests call it directly).
 */
export function installShutdown(
  app: NestFastifyApplication,
  {
    serviceName,
    graceMs,
    logger,
    onShutdownStart,
    exit = (code) => process.exit(code),
  }: ShutdownOptions,
): (signal: NodeJS.Signals) => Promise<void> {
  let started = false;
  const handler = async (signal: NodeJS.Signals): Promise<void> => {
    if (started) return;
    started = true;
    logger.log(`${signal} received: ${serviceName} shuts down (grace ${graceMs} ms)`, 'Shutdown');
    const deadline = setTimeout(() => {
      logger.error(`Shutdown took longer than ${graceMs} ms: exiting now`, undefined, 'Shutdown');
      exit(1);
    }, graceMs);
    deadline.unref();
    try {
      // Not ready from the first moment: a balancer that polls readiness stops sending new work
      // while the drain finishes what came (Nest's hook would only say so after it).
      readinessOf(app)?.markShuttingDown();
      await onShutdownStart?.();
      await app.close();
      await stopTracing(); // the spans of the last requests, flushed
      clearTimeout(deadline);
      exit(0);
    } catch (error) {
      await stopTracing().catch(() => undefined);
      clearTimeout(deadline);
      logger.error(`Shutdown failed: ${String(error)}`, (error as Error)?.stack, 'Shutdown');
      exit(1);
    }
  };
  const onSignal = (signal: NodeJS.Signals) => void handler(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // An application closed some other way (tests) must not leave its listeners behind.
  app.getHttpServer().once('close', () => {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
  });
  return handler;
}
