// The start-up benchmark (issue 14, point 5): how long `npm run up` takes, once built, until the
// platform is ready. Each repetition runs `node tools/run-platform.js` (what `npm run up` execs
// after building) on a database, RabbitMQ vhost, role and user prefix, Redis prefix, key folder and
// ports of its own, and times from its start:
//   provisioned  its "[provision] done" line (Postgres roles and the broker's users)
//   topology     its "[topology] ... declared" line; the services, spawned at the start with the
//                gateway, have loaded their code meanwhile and are let go right then
//   <service>    the service's /health/ready answering 200 (from the start: its spawn; and from
//                the topology step's end: reading its configuration, connecting, Nest's bootstrap)
//   gateway      the gateway's /health answering 200: the whole platform is up
// and the CPU time each service process had used by the moment it was ready. Beside it, in the
// same run: five bare Node processes (bench/baseline/startup-server.ts: Fastify + pg + amqplib +
// ioredis, connected to all three, listening) spawned at once like the platform's, timed from spawn
// to their first 200. One untimed start first (a new database: the migrations run, the vhost and
// users are made); the timed ones then start on a migrated database, as `npm run up` does every
// day after the first. Medians of N repetitions (default 5).
// Prints the table and the targets, writes bench/results/startup-<date>.json and .md.
// Run it with `bash bench/run-startup.sh` (builds, then runs this).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import {
  createTestDatabase,
  freePort,
  stopChild,
  testPostgresUrl,
  uniqueRedisPrefix,
  type TestDatabase,
} from '@ajla/testing';
import { runEnvironment } from './support/environment';
import { environmentSentence, writeResults } from './support/results';

/** bench/ in the source tree; this file runs compiled from tmp/bench-build-run-startup/bench/. */
const REPO_ROOT = path.resolve(__dirname, '../../..');

/** Issue 14: each service ready within 1 s (of its spawn), all within 2 s of the start. */
const EACH_SERVICE_S = 1;
const ALL_S = 2;

const SERVICES = [
  { app: 'user-service', name: 'USER' },
  { app: 'request-service', name: 'REQUEST' },
  { app: 'conversation-service', name: 'CONVERSATION' },
  { app: 'notification-service', name: 'NOTIFICATION' },
] as const;

/** The bare processes spawned at once: as many as the platform's (four services and the gateway). */
const BARE_PROCESSES = 5;

/** How often a not yet ready endpoint is asked (the resolution of every time measured). */
const POLL_MS = 20;
/** A start that takes longer failed. */
const GIVE_UP_MS = 60_000;

interface Options {
  repetitions: number;
}

/** Seconds from the start of run-platform.js (of spawn, for bare), per stage. */
type Timings = Record<string, number>;

interface PlatformRun {
  /** Stage => seconds since run-platform.js started. */
  at: Timings;
  /** Service => seconds from the topology step's end (its start signal) until ready. */
  afterSignal: Timings;
  /** Service => CPU seconds (user + system) its process had used when ready. */
  cpu: Timings;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: { repetitions: { type: 'string', default: '5' } },
  });
  const repetitions = Number(values.repetitions);
  if (!Number.isInteger(repetitions) || repetitions < 1) {
    throw new Error('--repetitions must be a positive integer');
  }
  return { repetitions };
}

function say(line: string): void {
  console.log(`[bench] ${line}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (s: number) => Math.round(s * 1000) / 1000;

/** Resolves once `url` answers 200 (seconds since `t0`), polling every POLL_MS. */
async function firstOk(url: string, t0: number, alive: () => boolean): Promise<number> {
  for (;;) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) })
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return (performance.now() - t0) / 1000;
    if (!alive()) throw new Error(`the process behind ${url} exited before it was ready`);
    if (performance.now() - t0 > GIVE_UP_MS) throw new Error(`${url} not 200 after 60 s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** CPU seconds (user + system) a Linux process has used; null elsewhere or once it is gone. */
function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime, fields 14 and 15 of stat (11 and 12 after the command), in clock ticks.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The pid of each service run-platform.js spawned (Linux), by app folder. */
function servicePids(parentPid: number): Record<string, number> {
  const pids: Record<string, number> = {};
  try {
    const children = readFileSync(`/proc/${parentPid}/task/${parentPid}/children`, 'utf8');
    for (const pid of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const app = /dist\/apps\/([^/]+)\/src\/main\.js/.exec(command)?.[1];
      if (app) pids[app] = pid;
    }
  } catch {
    // not Linux: no CPU times
  }
  return pids;
}

interface Sandbox {
  env: NodeJS.ProcessEnv;
  ports: Record<string, number>;
  cleanUp(): Promise<void>;
}

/** A database, vhost, prefix, Redis prefix, key folder and ports of the benchmark's own. */
async function sandbox(): Promise<Sandbox> {
  const db: TestDatabase = await createTestDatabase('startup');
  const suffix = db.name.slice(-10);
  const prefix = `ajla_bench_${suffix}_`;
  const vhost = `ajla_bench_startup_${suffix}`;
  const adminAmqp = new URL(process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672');
  adminAmqp.pathname = `/${vhost}`;
  const keysDir = mkdtempSync(path.join(os.tmpdir(), 'ajla-bench-startup-keys-'));
  const portBase = Number(process.env.BENCH_PORT_BASE) || undefined;
  let next = portBase ?? 0;
  const port = () => (portBase === undefined ? freePort() : Promise.resolve(next++));
  const ports: Record<string, number> = { gateway: await port() };
  for (const s of SERVICES) ports[s.app] = await port();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // As scripts/up.sh sets them.
    NODE_ENV: 'development',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    DATABASE_URL: db.url,
    RABBITMQ_URL: adminAmqp.toString(),
    PROVISION_PREFIX: prefix,
    REDIS_KEY_PREFIX: uniqueRedisPrefix('bench'),
    JWT_KEYS_DIR: keysDir,
    // As `npm run up` keeps it, in a file of the run's own: the timed starts find the broker's
    // users as the first start left them (tools/provision.js).
    PROVISION_STATE_FILE: path.join(keysDir, 'provision-state.json'),
    GATEWAY_PORT: String(ports.gateway),
    METRICS_PORT: String(await port()),
  };
  for (const s of SERVICES) {
    env[`${s.name}_SERVICE_PORT`] = String(ports[s.app]);
    delete env[`${s.name}_SERVICE_URL`];
  }
  return {
    env,
    ports,
    cleanUp: async () => {
      await db.drop().catch(() => undefined);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { unprovision } = require(path.join(REPO_ROOT, 'tools/provision.js'));
      await unprovision({ databaseUrl: testPostgresUrl(), prefix }).catch((error: Error) =>
        say(`clean-up: ${error.message}`),
      );
      try {
        execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'ignore' });
      } catch {
        say(`clean-up: could not delete vhost ${vhost}`);
      }
      rmSync(keysDir, { recursive: true, force: true });
    },
  };
}

/** One `node tools/run-platform.js`, timed until the gateway's /health is 200, then stopped. */
async function startPlatformOnce(box: Sandbox, logFile: string): Promise<PlatformRun> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['tools/run-platform.js'], {
    cwd: REPO_ROOT,
    env: box.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  const at: Timings = {};
  const lines = (stream: NodeJS.ReadableStream) =>
    readline.createInterface({ input: stream }).on('line', (line) => {
      log.write(`${line}\n`);
      const now = (performance.now() - t0) / 1000;
      if (line.startsWith('[provision] done')) at.provisioned = now;
      if (/^\[topology\] .* declared/.test(line)) at.topology = now;
    });
  lines(child.stdout!);
  lines(child.stderr!);
  const alive = () => child.exitCode === null && child.signalCode === null;
  const cpu: Timings = {};
  try {
    await Promise.all([
      ...SERVICES.map(async ({ app }) => {
        at[app] = await firstOk(`http://127.0.0.1:${box.ports[app]}/health/ready`, t0, alive);
        const pid = servicePids(child.pid!)[app];
        const used = pid === undefined ? null : cpuSeconds(pid);
        if (used !== null) cpu[app] = used;
      }),
      firstOk(`http://127.0.0.1:${box.ports.gateway}/health`, t0, alive).then((s) => {
        at.gateway = s;
        const pid = servicePids(child.pid!).gateway;
        const used = pid === undefined ? null : cpuSeconds(pid);
        if (used !== null) cpu.gateway = used;
      }),
    ]);
  } finally {
    await stopChild(child, 20_000);
    log.end();
  }
  const afterSignal: Timings = {};
  for (const { app } of SERVICES) afterSignal[app] = at[app] - (at.topology ?? 0);
  return { at, afterSignal, cpu };
}

/** BARE_PROCESSES bare servers spawned at once; seconds from spawn until each answers 200. */
async function startBareOnce(box: Sandbox): Promise<number[]> {
  const script = path.join(__dirname, 'baseline/startup-server.js');
  const ports = await Promise.all(Array.from({ length: BARE_PROCESSES }, () => freePort()));
  const env = {
    ...process.env,
    // The benchmark's database as its admin; the default vhost, where it only connects.
    DATABASE_URL: box.env.DATABASE_URL,
    RABBITMQ_URL: process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  };
  const children: ChildProcess[] = [];
  try {
    const t0 = performance.now();
    for (const port of ports) {
      children.push(
        spawn(process.execPath, [script, '--port', String(port)], { env, stdio: 'inherit' }),
      );
    }
    return await Promise.all(
      ports.map((port, i) =>
        firstOk(
          `http://127.0.0.1:${port}/health/ready`,
          t0,
          () => children[i].exitCode === null && children[i].signalCode === null,
        ),
      ),
    );
  } finally {
    await Promise.all(children.map((child) => stopChild(child)));
  }
}

function summary(runs: Timings[]): Record<string, { median: number; min: number; max: number }> {
  const out: Record<string, { median: number; min: number; max: number }> = {};
  for (const key of Object.keys(runs[0] ?? {})) {
    const values = runs.map((r) => r[key]).filter((v) => typeof v === 'number');
    out[key] = {
      median: round(median(values)),
      min: round(Math.min(...values)),
      max: round(Math.max(...values)),
    };
  }
  return out;
}

async function main(): Promise<void> {
  const options = readOptions();
  for (const app of [...SERVICES.map((s) => s.app), 'gateway']) {
    const entry = path.join(REPO_ROOT, 'dist/apps', app, 'src/main.js');
    try {
      readFileSync(entry);
    } catch {
      throw new Error(`${entry} is missing: build first (npm run build)`);
    }
  }
  const startedAt = new Date();
  const environment = await runEnvironment(REPO_ROOT, startedAt);
  say(
    `start-up benchmark: ${options.repetitions} repetitions; load average ` +
      `${environment.load_average_before.join(' ')} on ${environment.cpus}`,
  );
  const logsDir = path.join(REPO_ROOT, 'tmp/bench-logs');
  mkdirSync(logsDir, { recursive: true });
  const box = await sandbox();
  const platformRuns: PlatformRun[] = [];
  const bareRuns: number[][] = [];
  let firstStart: PlatformRun;
  try {
    say('platform: first start on a new database (migrations, new vhost and users), not counted');
    firstStart = await startPlatformOnce(box, path.join(logsDir, 'startup-first.log'));
    say(`  gateway up after ${firstStart.at.gateway.toFixed(2)} s`);
    for (let i = 1; i <= options.repetitions; i++) {
      // Alternated, so that a change of the machine's load touches both alike.
      const bare = await startBareOnce(box);
      bareRuns.push(bare);
      const run = await startPlatformOnce(box, path.join(logsDir, `startup-${i}.log`));
      platformRuns.push(run);
      say(
        `  ${i}: bare ${Math.max(...bare).toFixed(2)} s; platform: provisioned ${run.at.provisioned?.toFixed(2)} s, ` +
          `topology ${run.at.topology?.toFixed(2)} s, gateway up ${run.at.gateway.toFixed(2)} s`,
      );
    }
  } finally {
    await box.cleanUp();
  }

  const loadAverageAfter = os.loadavg().map((n) => Math.round(n * 100) / 100);
  const at = summary(platformRuns.map((r) => r.at));
  const afterSignal = summary(platformRuns.map((r) => r.afterSignal));
  const cpu = summary(platformRuns.map((r) => r.cpu));
  const bareEach = summary(bareRuns.map((b) => ({ each: median(b), last: Math.max(...b) })));
  // Every process is spawned at the start: from the start is from its spawn.
  const slowest = Math.max(...SERVICES.map((s) => at[s.app].median), at.gateway.median);
  const verdict = [
    `each service ready within ${EACH_SERVICE_S} s of its spawn: ` +
      `${slowest <= EACH_SERVICE_S ? 'met' : 'NOT met'} (slowest median ${slowest.toFixed(2)} s, ` +
      `five at once; a bare process ${bareEach.each.median.toFixed(2)} s, five at once)`,
    `all ready within ${ALL_S} s of the start: ${at.gateway.median <= ALL_S ? 'met' : 'NOT met'} ` +
      `(median ${at.gateway.median.toFixed(2)} s; five bare processes ${bareEach.last.median.toFixed(2)} s)`,
  ];
  const row = (stage: string, what: string, s?: { median: number; min: number; max: number }) =>
    s
      ? `| ${stage} | ${what} | ${s.median.toFixed(2)} | ${s.min.toFixed(2)}-${s.max.toFixed(2)} |`
      : '';
  const table = [
    '| stage | measured | median s | range s |',
    '| --- | --- | --- | --- |',
    row('provisioned', 'from the start of run-platform.js', at.provisioned),
    row('topology declared', "from the start (then the services' start signal)", at.topology),
    ...SERVICES.map((s) => row(`${s.app} ready`, 'from the start (its spawn)', at[s.app])),
    row('gateway /health 200', 'from the start: all up', at.gateway),
    ...SERVICES.map((s) =>
      row(`${s.app} ready`, "from the topology step's end (its start signal)", afterSignal[s.app]),
    ),
    ...[...SERVICES.map((s) => s.app), 'gateway'].map((app) =>
      row(app, 'CPU used until ready (user + system)', cpu[app]),
    ),
    row(
      'bare process ready',
      `from spawn, ${BARE_PROCESSES} at once (median of the ${BARE_PROCESSES})`,
      bareEach.each,
    ),
    row('last bare process ready', `from spawn, ${BARE_PROCESSES} at once`, bareEach.last),
  ]
    .filter(Boolean)
    .join('\n');
  console.log(`\n${table}\n`);
  for (const line of verdict) say(line);

  const base = writeResults(
    REPO_ROOT,
    'startup',
    startedAt,
    '',
    {
      benchmark: 'startup',
      environment: { ...environment, load_average_after: loadAverageAfter },
      options,
      targets: verdict,
      first_start: firstStart!,
      platform: { from_start: at, from_start_signal: afterSignal, cpu_s: cpu, runs: platformRuns },
      bare: { per_run: bareEach, runs: bareRuns.map((b) => b.map(round)) },
    },
    [
      `# Start-up benchmark, ${environment.started_at}`,
      '',
      `${environmentSentence(environment)} ${options.repetitions} repetitions of ` +
        '`node tools/run-platform.js` on a migrated database (the first start, on a new one, ' +
        `took ${firstStart!.at.gateway.toFixed(2)} s and is not counted), alternated with ` +
        `${BARE_PROCESSES} bare Node processes (Fastify + pg + amqplib + ioredis, connected) ` +
        `spawned at once. Load average after: ${loadAverageAfter.join(' ')}.`,
      '',
      table,
      '',
      ...verdict.map((line) => `- ${line}`),
      '',
    ],
  );
  say(`results: ${path.relative(REPO_ROOT, base)}.json and .md`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
