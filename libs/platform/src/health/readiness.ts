import {
  BeforeApplicationShutdown,
  Controller,
  Get,
  Injectable,
  type INestApplicationContext,
  OnApplicationBootstrap,
  Res,
} from '@nestjs/common';
import { DiscoveryService, ModuleRef } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { PublicRoute } from '../http/public-route';

/** Something a service needs before it can take traffic. `check()` throws when it is not ready. */
export interface ReadinessCheck {
  readonly name: string;
  /**
   * False for what the service can do without while it answers its own API (RabbitMQ: events
   * wait in the outbox or in the queue): its failure is reported as `degraded` and the service
   * stays ready. Default true: its failure makes the service unavailable (503).
   */
  readonly critical?: boolean;
  check(): Promise<void>;
}

/**
 * Token to register readiness checks under, in any module:
 * `{ provide: READINESS_CHECKS, useExisting: RabbitReadinessCheck }`. Nest has no multi-providers,
 * so the health controller collects every provider with this token across all modules; a module
 * that has several checks provides an array (`useFactory: (a, b) => [a, b]`).
 */
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

const CHECK_TIMEOUT_MS = 3000;

/** `degraded`: a non-critical check fails; the service still answers (200). */
export interface ReadinessReport {
  status: 'ok' | 'degraded' | 'unavailable';
  checks: Record<string, { status: 'ok' | 'degraded' | 'error'; error?: string }>;
}

@Injectable()
export class Readiness implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private checks: ReadinessCheck[] = [];
  private shuttingDown = false;

  constructor(private readonly discovery: DiscoveryService) {}

  onApplicationBootstrap(): void {
    this.checks = this.discovery
      .getProviders()
      .filter((wrapper) => wrapper.token === READINESS_CHECKS && wrapper.isDependencyTreeStatic())
      .flatMap((wrapper) => wrapper.instance as ReadinessCheck | ReadinessCheck[])
      .filter((check): check is ReadinessCheck => typeof check?.check === 'function');
  }

  /** From now on the service reports itself not ready (`shutdown`): it is on its way out. */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  // Before the HTTP server closes, whoever started the shutdown: load balancers stop sending new
  // work while in-flight work ends. (`installShutdown` says so earlier, at the signal.)
  beforeApplicationShutdown(): void {
    this.markShuttingDown();
  }

  async report(): Promise<ReadinessReport> {
    const results = await Promise.all(
      this.checks.map(async (check) => {
        try {
          await withTimeout(check.check(), CHECK_TIMEOUT_MS);
          return [check.name, { status: 'ok' as const }] as const;
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          const status = check.critical === false ? ('degraded' as const) : ('error' as const);
          return [check.name, { status, error: message }] as const;
        }
      }),
    );
    const checks: ReadinessReport['checks'] = Object.fromEntries(results);
    if (this.shuttingDown) checks.shutdown = { status: 'error', error: 'shutting down' };
    const states = Object.values(checks).map((result) => result.status);
    const status = states.includes('error')
      ? 'unavailable'
      : states.includes('degraded')
        ? 'degraded'
        : 'ok';
    return { status, checks };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: Readiness) {}

  // `GET /health/live` is a plain Fastify route: see installLiveness.

  @PublicRoute()
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessReport> {
    const report = await this.readiness.report();
    reply.status(report.status === 'unavailable' ? 503 : 200);
    return report;
  }
}

/**
 * `GET /health/live`: the process runs and answers; nothing else is checked, so a slow database
 * never restarts it. A plain Fastify route rather than a controller's: every probe polls it, and
 * it needs none of Nest's routing (guards, pipes, interceptors, filters), which made up most of
 * its cost. Public, like every health route; the platform's hooks (ids, headers, metrics) still
 * run.
 */
export function installLiveness(fastify: FastifyInstance): void {
  fastify.get('/health/live', (_request, reply) => {
    void reply.type('application/json; charset=utf-8').send(LIVE);
  });
}

const LIVE = JSON.stringify({ status: 'ok' });

/** The application's `Readiness`, when it has one (through the root ModuleRef: no error logged). */
export function readinessOf(app: INestApplicationContext): Readiness | undefined {
  try {
    return app.get(ModuleRef).get(Readiness, { strict: false });
  } catch {
    return undefined;
  }
}
