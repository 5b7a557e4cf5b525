import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { tracingOn } from './environment';
import { EVENTS_EXCHANGE } from '@ajla/contracts';
import { DEFAULT_RETRY_DELAYS_MS, declareEventTopologyAt, parseRetryDelays } from '@ajla/messaging';
import {
  createTestDatabase,
  createTestVhost,
  freePort,
  stopChild,
  uniqueRedisPrefix,
  type TestDatabase,
} from '@ajla/testing';

/**
 * Backends by app folder and the gateway's name for them, in start order; user-service (which
 * publishes the bootstrap admin at start) last. As in apps/e2e/src/support/global-setup.ts.
 */
const BACKENDS = [
  { app: 'request-service', name: 'REQUEST' },
  { app: 'conversation-service', name: 'CONVERSATION' },
  { app: 'notification-service', name: 'NOTIFICATION' },
  { app: 'user-service', name: 'USER' },
] as const;

/** The platform cannot be benchmarked yet (e.g. conversation-service is not built). */
export class PlatformUnavailable extends Error {}

export interface RunningPlatform {
  gatewayUrl: string;
  /** Every gateway replica's URL, `gatewayUrl` first. */
  gatewayUrls: string[];
  admin: { email: string; password: string };
  /** Process id per app, gateway included (further gateway replicas: `gateway-2`, ...). */
  pids: Record<string, number>;
  /** Base URL per backend app, for measuring one without the gateway. */
  serviceUrls: Record<string, string>;
  database: string;
  logsDir: string;
  /** With BENCH_TRACING=1: the trace sink's pid (its CPU is the export's other half). */
  traceSinkPid?: number;
  stop(): Promise<void>;
}

/**
 * BENCH_TRACING=1: a trace sink (baseline/trace-sink.ts) for the platform's spans; every service
 * exports to it over OTLP/HTTP, with the SDK's default batching (tracing's documented switch,
 * `OTEL_EXPORTER_OTLP_ENDPOINT`).
 */
async function startTraceSink(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(__dirname, '../baseline/trace-sink.js')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the trace sink exited (${code})`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  lines.on('line', (line) => console.log(`[bench] trace sink received ${line}`));
  return { child, url: `http://127.0.0.1:${port}` };
}

/**
 * Starts the built platform (npm run build first) the way the e2e suite does: every service that
 * exists, on a database, RabbitMQ vhost, Redis prefix and key pair of its own, the gateway on a
 * free port; waits until the gateway's /health is 200. Logs go to files, not through this process.
 * `extraEnv` is added to every service's environment (e.g. where notification-service drops its mail).
 * `gatewayReplicas` gateways start side by side on ports of their own, in front of the same services.
 */
export async function startPlatform(
  repoRoot: string,
  extraEnv: NodeJS.ProcessEnv = {},
  { gatewayReplicas = 1 }: { gatewayReplicas?: number } = {},
): Promise<RunningPlatform> {
  const entry = (app: string) => path.join(repoRoot, 'dist/apps', app, 'src/main.js');
  if (!existsSync(entry('conversation-service'))) {
    throw new PlatformUnavailable(
      'dist/apps/conversation-service/src/main.js is missing: conversation-service is not built yet',
    );
  }
  const backends = BACKENDS.filter((b) => existsSync(path.join(repoRoot, 'apps', b.app)));
  for (const app of [...backends.map((b) => b.app), 'gateway']) {
    if (!existsSync(entry(app))) throw new PlatformUnavailable(`${entry(app)} is missing`);
  }

  const logsDir = path.join(repoRoot, 'tmp/bench-logs');
  mkdirSync(logsDir, { recursive: true });
  const keysDir = mkdtempSync(path.join(tmpdir(), 'ajla-bench-keys-'));
  const admin = { email: 'bench.admin@ajla.test', password: `Bench-${Date.now()}-admin` };
  const children: ChildProcess[] = [];
  const pids: Record<string, number> = {};
  let db: TestDatabase | undefined;
  let vhost: { url: string; drop(): void } | undefined;
  let traceSink: { child: ChildProcess; url: string } | undefined;

  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    if (traceSink) await stopChild(traceSink.child);
    await db?.drop().catch(() => undefined);
    vhost?.drop();
    rmSync(keysDir, { recursive: true, force: true });
  };

  try {
    if (tracingOn()) traceSink = await startTraceSink();
    db = await createTestDatabase('bench');
    vhost = createTestVhost(undefined, 'bench');
    // The topology step, as `npm run up` runs it first: the services only check it.
    await declareEventTopologyAt(vhost.url, {
      exchange: EVENTS_EXCHANGE,
      retryDelaysMs: parseRetryDelays(
        extraEnv.CONSUMER_RETRY_DELAYS_MS ??
          process.env.CONSUMER_RETRY_DELAYS_MS ??
          DEFAULT_RETRY_DELAYS_MS,
      ),
    });
    const common: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info',
      DATABASE_URL: db.url,
      RABBITMQ_URL: vhost.url,
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: uniqueRedisPrefix('bench'),
      JWT_KEYS_DIR: keysDir,
      ...(traceSink ? { OTEL_EXPORTER_OTLP_ENDPOINT: traceSink.url } : {}),
      ...extraEnv,
    };
    const start = (app: string, env: NodeJS.ProcessEnv, name = app) => {
      const log = openSync(path.join(logsDir, `${name}.log`), 'w');
      // BENCH_CPU_PROF=<dir>: every service writes a V8 CPU profile there when it stops.
      const profile = process.env.BENCH_CPU_PROF
        ? [
            '--cpu-prof',
            `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`,
            `--cpu-prof-name=${name}.cpuprofile`,
          ]
        : [];
      const child = spawn(process.execPath, [...profile, entry(app)], {
        cwd: repoRoot,
        env: { ...common, ...env },
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      children.push(child);
      pids[name] = child.pid!;
      return child;
    };
    const waitOk = async (url: string, child: ChildProcess, app: string) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`${app} exited during start-up; see ${logsDir}/${app}.log`);
        }
        const ok = await fetch(url)
          .then((r) => r.status === 200)
          .catch(() => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`${url} is not 200 after 60 s; see ${logsDir}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // BENCH_PORT_BASE=N: the gateway on N, the backends on N+1..., its metrics after them;
    // otherwise free ports (BENCH_GATEWAY_PORT still names the gateway's).
    const portBase = Number(process.env.BENCH_PORT_BASE) || undefined;
    let nextPort = portBase === undefined ? 0 : portBase + 1;
    const port = () => (portBase === undefined ? freePort() : Promise.resolve(nextPort++));
    const serviceUrls: Record<string, string> = {};
    const gatewayEnv: NodeJS.ProcessEnv = {};
    for (const b of BACKENDS) gatewayEnv[`${b.name}_SERVICE_URL`] = '';
    // Every backend's address first: request-service calls conversation-service to open each
    // request's conversation, as in production (without it, it would call the default port).
    const ports: Record<string, number> = {};
    for (const b of backends) {
      ports[b.app] = await port();
      const url = `http://127.0.0.1:${ports[b.app]}`;
      gatewayEnv[`${b.name}_SERVICE_URL`] = url;
      serviceUrls[b.app] = url;
    }
    for (const b of backends) {
      const child = start(b.app, {
        PORT: String(ports[b.app]),
        ...(b.app === 'request-service'
          ? { CONVERSATION_SERVICE_URL: serviceUrls['conversation-service'] ?? '' }
          : {}),
        ...(b.app === 'user-service'
          ? { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password }
          : {}),
      });
      await waitOk(`${serviceUrls[b.app]}/health/ready`, child, b.app);
    }
    const gatewayPort = Number(portBase ?? process.env.BENCH_GATEWAY_PORT ?? (await freePort()));
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    // Set-up opens hundreds of conversations and sockets as one agent from one address: limits
    // far above that keep the limiter in the measured path without tripping it.
    for (const group of ['AUTH', 'READ', 'WRITE', 'WEBSOCKET']) {
      gatewayEnv[`RATE_LIMIT_${group}_PER_ADDRESS`] = '10000000';
      gatewayEnv[`RATE_LIMIT_${group}_PER_USER`] = '10000000';
    }
    const gatewayUrls: string[] = [];
    for (let replica = 1; replica <= gatewayReplicas; replica++) {
      const name = replica === 1 ? 'gateway' : `gateway-${replica}`;
      const replicaPort = replica === 1 ? gatewayPort : await port();
      const url = `http://127.0.0.1:${replicaPort}`;
      const gateway = start(
        'gateway',
        { ...gatewayEnv, PORT: String(replicaPort), METRICS_PORT: String(await port()) },
        name,
      );
      await waitOk(`${url}/health`, gateway, name);
      gatewayUrls.push(url);
    }
    return {
      gatewayUrl,
      gatewayUrls,
      admin,
      pids,
      serviceUrls,
      database: db.name,
      logsDir,
      traceSinkPid: traceSink?.child.pid,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
