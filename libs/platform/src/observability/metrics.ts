import { timingSafeEqual } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import {
  Controller,
  Get,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
  Req,
  Res,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PublicRoute } from '../http/public-route';

/** This service's Prometheus registry: register your own metrics with `registers: [registry]`. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
export const METRICS_EXPOSURE = Symbol('METRICS_EXPOSURE');

/**
 * Where `/metrics` is served. By default on the application's own port, open: a service is reached
 * only from inside the cluster. An application reached from the internet (the gateway) sets
 * `publicPort`: there `/metrics` answers 404 unless the `token` is presented, and scrapers use
 * the separate `port` (a listener that serves only `/metrics`, never exposed outside).
 */
export interface MetricsExposure {
  /** A listener of its own serving only `GET /metrics`; 0 or absent: none. */
  readonly port?: number;
  /** Where that listener binds (the application's HOST). */
  readonly host?: string;
  /** Bearer token that opens `/metrics` on the application's own port. */
  readonly token?: string;
  /** The application's own port is public: `/metrics` there needs the token, whatever else is set. */
  readonly publicPort?: boolean;
}

const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const NOT_FOUND = JSON.stringify({ detail: 'Not found', code: 'not_found' });

/** Whether `/metrics` on the application's own port answers this `Authorization` header. */
export function metricsOpenOnAppPort(
  exposure: MetricsExposure,
  authorization: string | string[] | undefined,
): boolean {
  if (exposure.token) {
    const value = Array.isArray(authorization) ? authorization[0] : authorization;
    const presented = Buffer.from(/^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value ?? '')?.[1] ?? '');
    const expected = Buffer.from(exposure.token);
    return presented.length === expected.length && timingSafeEqual(presented, expected);
  }
  // Without a token, open only where nothing says the port is public or metrics live elsewhere.
  return !exposure.publicPort && !exposure.port;
}

export function createMetricsRegistry(serviceName: string): Registry {
  // One registry per application rather than prom-client's global one, so two apps in one process
  // (tests) do not collide on metric names.
  const registry = new Registry();
  registry.setDefaultLabels({ service: serviceName });
  // The event-loop lag histogram samples on a timer: at prom-client's default of every 10 ms,
  // that timer alone kept each idle service about 2 % busy (measured on a 2-core VM). Every
  // 100 ms still shows stalls worth alerting on.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 100 });
  return registry;
}

/** Times every HTTP answer (404s and errors included) from a Fastify hook. */
@Injectable()
export class HttpMetrics implements OnModuleInit {
  private readonly duration: Histogram<'method' | 'route' | 'status_code'>;

  constructor(
    @Inject(METRICS_REGISTRY) registry: Registry,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter?.getType() !== 'fastify') return;
    const fastify = adapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done) => {
      // The route pattern, not the URL, keeps label cardinality bounded.
      const route = request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched');
      this.duration.observe(
        { method: request.method, route, status_code: String(reply.statusCode) },
        reply.elapsedTime / 1000,
      );
      done();
    });
  }
}

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(METRICS_EXPOSURE) private readonly exposure: MetricsExposure,
  ) {}

  @PublicRoute()
  @Get()
  async metrics(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!metricsOpenOnAppPort(this.exposure, request.headers.authorization)) {
      // The same answer as any unknown path: nothing tells a prober that metrics exist here.
      await reply.code(404).type('application/json; charset=utf-8').send(NOT_FOUND);
      return;
    }
    await reply.type(PROMETHEUS_CONTENT_TYPE).send(await this.registry.metrics());
  }
}

/**
 * The separate metrics listener (`MetricsExposure.port`): `GET /metrics` and nothing else, no
 * token, started with the application and closed with it.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | undefined;

  constructor(
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(METRICS_EXPOSURE) private readonly exposure: MetricsExposure,
  ) {}

  /** The bound port (useful when 0 was not asked for but the OS chose), or undefined. */
  get port(): number | undefined {
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.exposure.port) return;
    const server = createServer((request, response) => void this.answer(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.exposure.port, this.exposure.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    new Logger('Metrics').log(`metrics on :${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      response.end(NOT_FOUND);
      return;
    }
    try {
      const text = await this.registry.metrics();
      response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
      response.end(request.method === 'HEAD' ? undefined : text);
    } catch {
      response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ detail: 'Internal server error', code: 'internal' }));
    }
  }
}
