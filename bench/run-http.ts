// The HTTP benchmark in one run (issue 14): authenticated reads and a write of each service,
// measured in the same run against three targets: through the gateway, straight to the service
// that owns the route, and a bare Fastify + pg + jose server doing the same work
// (bench/baseline/api-server.ts). Closed loop: autocannon keeps N connections busy for D seconds.
// Prints the table and the targets, writes bench/results/http-<date>.json and .md.
// Run it with `bash bench/run-http.sh` (builds, then runs this).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { stopChild, testPostgresUrl } from '@ajla/testing';
import { sleep } from './chat-load';
import {
  SUBMISSION,
  startBareProxy,
  type BareProxyProcess,
  platformCallers,
  seed,
  startApiBaselineProcess,
  type Callers,
  type Seeded,
} from './support/api-targets';
import { CpuProbe, cpuMsPerUnit, type CpuShare } from './support/cpu-probe';
import { DbProbe } from './support/db-probe';
import { runEnvironment, tracingOn } from './support/environment';
import { environmentSentence, writeResults } from './support/results';
import { profileByPackage, profileCpu } from './support/inspector';
import { PlatformUnavailable, startPlatform } from './support/platform';

/** bench/ in the source tree; this file runs compiled from tmp/bench-build-http/bench/. */
const REPO_ROOT = path.resolve(__dirname, '../../..');

/** Targets: a service >= 0.8 x its bare route's req/s with p99 <= 2 x; the gateway >= 0.8 x direct. */
const SERVICE_RPS_RATIO = 0.8;
const SERVICE_P99_RATIO = 2;
const GATEWAY_RPS_RATIO = 0.8;
/** /health/live through the gateway and straight to a service: >= 0.5 x a bare server's. */
const HEALTH_RPS_RATIO = 0.5;

type TargetName = 'bare' | 'direct' | 'proxy' | 'gateway';
/** proxy: the bare proxy (baseline/bare-proxy.ts) in front of the services, the floor of a hop. */
const TARGETS: TargetName[] = ['bare', 'direct', 'proxy', 'gateway'];

interface Scenario {
  name: string;
  /** The service that owns the route (where `direct` goes). */
  service: string;
  method: 'GET' | 'POST';
  caller: keyof Callers | null;
  path(seeded: Seeded): string;
  body?: unknown;
  /** The status every answer must have. */
  status: number;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'health-live',
    service: 'request-service',
    method: 'GET',
    caller: null,
    path: () => '/health/live',
    status: 200,
  },
  {
    name: 'request-by-id',
    service: 'request-service',
    method: 'GET',
    caller: 'client',
    path: (s) => `/api/v1/requests/${s.requestId}`,
    status: 200,
  },
  {
    name: 'my-requests',
    service: 'request-service',
    method: 'GET',
    caller: 'client',
    path: () => '/api/v1/requests?page=1&page_size=20',
    status: 200,
  },
  {
    name: 'staff-queue',
    service: 'request-service',
    method: 'GET',
    caller: 'agent',
    path: () => '/api/v1/admin/requests?page=1&page_size=20',
    status: 200,
  },
  {
    name: 'conversation-page',
    service: 'conversation-service',
    method: 'GET',
    caller: 'client',
    path: (s) => `/api/v1/conversations/${s.conversationId}?after_seq=0&limit=50`,
    status: 200,
  },
  {
    // Last: every submission leaves work behind (relay, notifications, mail) on the platform.
    name: 'submission',
    service: 'request-service',
    method: 'POST',
    caller: 'client',
    path: () => '/api/v1/requests',
    body: SUBMISSION,
    status: 201,
  },
];

interface Options {
  durationS: number;
  warmupS: number;
  connections: number;
  scenarios: string[];
  seedRequests: number;
  seedMessages: number;
  /** A process (gateway, a service's app name, or bare) to CPU-profile in its measured windows. */
  profile?: string;
  /** The bare server keeps checked tokens as @ajla/auth does (else it checks every signature). */
  bareTokenCache: boolean;
}

interface Measurement {
  scenario: string;
  target: TargetName;
  url: string;
  /** Bytes of the checked answer's body: the targets answer the same amount of data. */
  response_bytes: number;
  req_per_s: number;
  requests: number;
  latency_ms: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Answers other than the expected status, and connection errors or timeouts. */
  unexpected: number;
  errors: number;
  cpu: CpuShare;
  /** CPU time per request by process group: where the time goes. */
  cpu_ms_per_request: Record<string, number>;
  /** With --profile: where that process's CPU samples fell, by package, percent. */
  profile?: { process: string; file: string; by_package: Record<string, number> };
  failed?: string;
}

interface Target {
  name: TargetName;
  /** Base URL per scenario's service ('*' for any). */
  urlFor(scenario: Scenario): string;
  callers: Callers;
  seeded: Seeded;
  /** The processes a request to this target goes through, by the names --profile takes. */
  processesFor(scenario: Scenario): Record<string, number>;
}

async function main(): Promise<void> {
  const options = readOptions();
  const startedAt = new Date();
  const environment = await runEnvironment(REPO_ROOT, startedAt);
  say(
    `HTTP benchmark: ${options.connections} connections, ${options.warmupS} s warm-up + ` +
      `${options.durationS} s per scenario and target; load average ` +
      `${environment.load_average_before.join(' ')} on ${environment.cpus}`,
  );

  say('bare: starting the Fastify + pg + jose server');
  const bare = await startApiBaselineProcess(
    REPO_ROOT,
    options.bareTokenCache ? ['--token-cache'] : [],
  );
  say('platform: starting the built platform (own database, vhost, Redis prefix, keys)');
  let platform;
  try {
    platform = await startPlatform(REPO_ROOT);
  } catch (err) {
    await stopChild(bare.child);
    if (err instanceof PlatformUnavailable) say(`platform: SKIPPED: ${err.message}`);
    throw err;
  }
  const measurements: Measurement[] = [];
  const db = await DbProbe.open(testPostgresUrl(), platform.database);
  let proxy: BareProxyProcess | undefined;
  try {
    const seedCounts = { requests: options.seedRequests, messages: options.seedMessages };
    say(`seeding each: ${seedCounts.requests} requests, ${seedCounts.messages} chat messages`);
    const bareSeeded = await seed(bare.url, bare.callers, seedCounts);
    const callers = await platformCallers(platform.gatewayUrl, platform.admin);
    const seeded = await seed(platform.gatewayUrl, callers, seedCounts);
    proxy = await startBareProxy(REPO_ROOT, [
      ['/api/v1/conversations', platform.serviceUrls['conversation-service']],
      ['/', platform.serviceUrls['request-service']],
    ]);
    const { url: proxyUrl, child: proxyChild } = proxy;
    const proxyPid = proxyChild.pid!;
    const targets: Record<TargetName, Target> = {
      bare: {
        name: 'bare',
        urlFor: () => bare.url,
        callers: bare.callers,
        seeded: bareSeeded,
        processesFor: () => ({ bare: bare.child.pid! }),
      },
      direct: {
        name: 'direct',
        urlFor: (s) => platform.serviceUrls[s.service],
        callers,
        seeded,
        processesFor: (s) => ({ [s.service]: platform.pids[s.service] }),
      },
      proxy: {
        name: 'proxy',
        urlFor: () => proxyUrl,
        callers,
        seeded,
        processesFor: (s) => ({
          proxy: proxyPid,
          [s.service]: platform.pids[s.service],
        }),
      },
      gateway: {
        name: 'gateway',
        urlFor: () => platform.gatewayUrl,
        callers,
        seeded,
        processesFor: (s) => ({
          gateway: platform.pids.gateway,
          [s.service]: platform.pids[s.service],
        }),
      },
    };

    const components: Record<string, () => number[]> = {
      load_generator: () => [process.pid],
      bare_server: () => [bare.child.pid!],
      bare_proxy: () => [proxyPid],
    };
    for (const [app, pid] of Object.entries(platform.pids)) components[app] = () => [pid];
    const sinkPid = platform.traceSinkPid;
    if (sinkPid !== undefined) components.trace_sink = () => [sinkPid];
    components.postgres = CpuProbe.byCommand('postgres');
    components.redis = CpuProbe.byCommand('redis-server');
    components.rabbitmq = CpuProbe.byCommand('beam.smp');
    const cpu = new CpuProbe(components);

    for (const scenario of SCENARIOS.filter((s) => options.scenarios.includes(s.name))) {
      for (const name of TARGETS) {
        const m = await measure(scenario, targets[name], options, cpu);
        measurements.push(m);
        say(formatMeasurement(m));
        if (m.profile) {
          const parts = Object.entries(m.profile.by_package).map(([k, v]) => `${k} ${v}%`);
          say(`  ${m.profile.process} profile (${m.profile.file}): ${parts.join(', ')}`);
        }
        if (scenario.method === 'POST' && name !== 'bare') {
          // The platform's relays publish what the step wrote before the next step starts.
          const waiting = await db.outboxDrained(60_000);
          if (waiting > 0) say(`platform: ${waiting} events still in the outboxes after 60 s`);
        }
        await sleep(500);
      }
    }
  } finally {
    await db.close();
    await platform.stop();
    await stopChild(bare.child);
    if (proxy) await stopChild(proxy.child);
  }

  const verdict = judge(measurements);
  const table = markdownTable(measurements);
  console.log(`\n${table}\n`);
  for (const line of verdict) say(line);

  const tags = `${options.profile ? '-profiled' : ''}${options.bareTokenCache ? '-token-cache' : ''}${tracingOn() ? '-tracing' : ''}`;
  const base = writeResults(
    REPO_ROOT,
    'http',
    startedAt,
    tags,
    { benchmark: 'http', environment, options, targets: verdict, measurements },
    [
      `# HTTP benchmark, ${environment.started_at}`,
      '',
      `${environmentSentence(environment)} ` +
        `${options.connections} connections, ${options.warmupS} s warm-up + ${options.durationS} s ` +
        'per scenario and target; the bare server ' +
        (options.bareTokenCache
          ? 'keeps checked tokens as @ajla/auth does.'
          : 'checks every token signature (@ajla/auth keeps checked tokens).'),
      '',
      table,
      '',
      ...verdict.map((line) => `- ${line}`),
      '',
      ...profileLines(measurements),
    ],
  );
  say(`results: ${path.relative(REPO_ROOT, base)}.json and .md`);
}

/** One scenario against one target: a check, a warm-up, then the measured window. */
async function measure(
  scenario: Scenario,
  target: Target,
  options: Options,
  cpu: CpuProbe,
): Promise<Measurement> {
  const url = `${target.urlFor(scenario)}${scenario.path(target.seeded)}`;
  const headers: Record<string, string> = {};
  if (scenario.caller) headers.authorization = `Bearer ${target.callers[scenario.caller]}`;
  if (scenario.body !== undefined) headers['content-type'] = 'application/json';
  const body = scenario.body === undefined ? undefined : JSON.stringify(scenario.body);
  const check = await fetch(url, { method: scenario.method, headers, body });
  const checkText = await check.text();
  const base = {
    scenario: scenario.name,
    target: target.name,
    url,
    response_bytes: Buffer.byteLength(checkText),
  };
  if (check.status !== scenario.status) {
    const failed = `answered ${check.status} (expected ${scenario.status}): ${checkText.slice(0, 200)}`;
    return { ...base, ...emptyMeasurement(), failed };
  }
  const run = (duration: number) =>
    autocannon({
      url,
      method: scenario.method,
      headers,
      body,
      connections: options.connections,
      duration,
      timeout: 10,
    });
  if (options.warmupS > 0) await run(options.warmupS);
  const profilePid = options.profile ? target.processesFor(scenario)[options.profile] : undefined;
  let result: Awaited<ReturnType<typeof run>> | undefined;
  let share: CpuShare | undefined;
  const window = async () => {
    cpu.start();
    result = await run(options.durationS);
    share = cpu.stop();
  };
  const profile = profilePid === undefined ? await window() : await profileCpu(profilePid, window);
  if (!result || !share) throw new Error('the measured window did not run');
  const reqPerS = Math.round(result.requests.total / options.durationS);
  if (profilePid !== undefined && !profile) {
    say(`${options.profile}: no profile: its inspector did not open (127.0.0.1:9229 busy?)`);
  }
  let profiled: Measurement['profile'];
  if (profile && options.profile) {
    const file = path.join(
      REPO_ROOT,
      'tmp/bench-profiles',
      `http-${scenario.name}-${target.name}-${options.profile}.cpuprofile`,
    );
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(profile));
    profiled = {
      process: options.profile,
      file: path.relative(REPO_ROOT, file),
      by_package: profileByPackage(profile),
    };
  }
  // autocannon counts any non-2xx; a 200 where 201 is expected would still be a 2xx.
  return {
    ...base,
    req_per_s: reqPerS,
    requests: result.requests.total,
    latency_ms: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    unexpected: result.non2xx,
    errors: result.errors,
    cpu: share,
    cpu_ms_per_request: cpuMsPerUnit(share, reqPerS),
    ...(profiled ? { profile: profiled } : {}),
  };
}

function emptyMeasurement() {
  return {
    req_per_s: 0,
    requests: 0,
    latency_ms: { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 },
    unexpected: 0,
    errors: 0,
    cpu: { wall_s: 0, machine_pct: 0, components: {}, other_pct: 0 },
    cpu_ms_per_request: {},
  };
}

// ---------------------------------------------------------------------------------------------

/** Every target as a line: the ratio, the bound, MET or MISSED. */
function judge(measurements: Measurement[]): string[] {
  const lines: string[] = [];
  const of = (scenario: string, target: TargetName) =>
    measurements.find((m) => m.scenario === scenario && m.target === target && !m.failed);
  const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : 0);
  const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED');
  for (const scenario of new Set(measurements.map((m) => m.scenario))) {
    const [bare, direct, proxy, gateway] = TARGETS.map((t) => of(scenario, t));
    if (scenario === 'health-live') {
      for (const m of [direct, gateway]) {
        if (!m || !bare) continue;
        const r = ratio(m.req_per_s, bare.req_per_s);
        lines.push(
          `${scenario}: ${m.target} ${m.req_per_s} req/s = ${r} x bare ${bare.req_per_s} ` +
            `(>= ${HEALTH_RPS_RATIO}): ${verdict(r >= HEALTH_RPS_RATIO)}`,
        );
      }
      continue;
    }
    if (direct && bare) {
      const r = ratio(direct.req_per_s, bare.req_per_s);
      const p = ratio(direct.latency_ms.p99, bare.latency_ms.p99);
      lines.push(
        `${scenario}: direct ${direct.req_per_s} req/s = ${r} x bare ${bare.req_per_s} ` +
          `(>= ${SERVICE_RPS_RATIO}): ${verdict(r >= SERVICE_RPS_RATIO)}; p99 ` +
          `${direct.latency_ms.p99} ms = ${p} x bare ${bare.latency_ms.p99} ms ` +
          `(<= ${SERVICE_P99_RATIO}): ${verdict(p <= SERVICE_P99_RATIO)}`,
      );
    }
    if (gateway && direct) {
      const r = ratio(gateway.req_per_s, direct.req_per_s);
      lines.push(
        `${scenario}: gateway ${gateway.req_per_s} req/s = ${r} x direct ${direct.req_per_s} ` +
          `(>= ${GATEWAY_RPS_RATIO}): ${verdict(r >= GATEWAY_RPS_RATIO)}`,
      );
    }
    if (proxy && direct && gateway) {
      // Not a target: how far a hop with nothing in it gets, and what the gateway's own work costs.
      lines.push(
        `${scenario}: (floor) bare proxy ${proxy.req_per_s} req/s = ` +
          `${ratio(proxy.req_per_s, direct.req_per_s)} x direct; gateway = ` +
          `${ratio(gateway.req_per_s, proxy.req_per_s)} x bare proxy`,
      );
    }
  }
  for (const m of measurements) {
    if (m.failed) lines.push(`${m.scenario} ${m.target}: FAILED: ${m.failed}`);
    else if (m.unexpected || m.errors) {
      lines.push(
        `${m.scenario} ${m.target}: ${m.unexpected} unexpected answers, ${m.errors} errors`,
      );
    }
  }
  const other = Math.max(0, ...measurements.map((m) => m.cpu.other_pct));
  if (other >= 25) {
    lines.push(
      `warning: other work on the machine used up to ${Math.round(other)}% of one core during a ` +
        'measured window; these numbers are pessimistic, run again on a quiet machine',
    );
  }
  return lines;
}

function markdownTable(measurements: Measurement[]): string {
  const rows = [
    '| scenario | target | req/s | latency p50 / p90 / p99 / max (ms) | not 2xx / errors | answer bytes | CPU ms per request (other work) |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const m of measurements) {
    if (m.failed) {
      rows.push(`| ${m.scenario} | ${m.target} | — | failed | — | ${m.response_bytes} | — |`);
      continue;
    }
    const l = m.latency_ms;
    rows.push(
      `| ${m.scenario} | ${m.target} | ${m.req_per_s} | ${l.p50} / ${l.p90} / ${l.p99} / ${l.max} | ` +
        `${m.unexpected} / ${m.errors} | ${m.response_bytes} | ${formatCpu(m)} |`,
    );
  }
  return rows.join('\n');
}

/** With --profile: where the profiled process's samples fell, per measurement, for the .md. */
function profileLines(measurements: Measurement[]): string[] {
  const profiled = measurements.filter((m) => m.profile);
  if (!profiled.length) return [];
  return [
    `CPU profiles of ${profiled[0].profile!.process} (busy samples by package; a profiled run is slower):`,
    '',
    ...profiled.map((m) => {
      const parts = Object.entries(m.profile!.by_package).map(([k, v]) => `${k} ${v} %`);
      return `- ${m.scenario}, ${m.target} (\`${m.profile!.file}\`): ${parts.join(', ')}`;
    }),
    '',
  ];
}

function formatCpu(m: Measurement): string {
  const top = Object.entries(m.cpu_ms_per_request)
    .filter(([, v]) => v >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${shortName(k)} ${v}`);
  return `${top.join(', ')} (${Math.round(m.cpu.other_pct)}%)`;
}

function formatMeasurement(m: Measurement): string {
  if (m.failed) return `${m.scenario} ${m.target}: FAILED: ${m.failed}`;
  const l = m.latency_ms;
  return (
    `${m.scenario} ${m.target}: ${m.req_per_s} req/s, p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} ` +
    `max ${l.max} ms, ${m.unexpected} not 2xx, ${m.errors} errors; CPU ms/request ${formatCpu(m)}`
  );
}

function shortName(component: string): string {
  return component
    .replace('-service', '')
    .replace('load_generator', 'generator')
    .replace('bare_server', 'bare');
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: process.env.BENCH_DURATION_S ?? '10' },
      warmup: { type: 'string', default: process.env.BENCH_WARMUP_S ?? '2' },
      connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '10' },
      scenarios: { type: 'string', default: SCENARIOS.map((s) => s.name).join(',') },
      'seed-requests': { type: 'string', default: '30' },
      'seed-messages': { type: 'string', default: '30' },
      profile: { type: 'string' },
      'bare-token-cache': { type: 'boolean', default: false },
    },
  });
  const scenarios = values.scenarios.split(',').map((s) => s.trim());
  const unknown = scenarios.filter((s) => !SCENARIOS.some((known) => known.name === s));
  if (unknown.length) {
    throw new Error(
      `--scenarios: unknown ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  }
  return {
    durationS: Number(values.duration),
    warmupS: Number(values.warmup),
    connections: Number(values.connections),
    scenarios,
    seedRequests: Number(values['seed-requests']),
    seedMessages: Number(values['seed-messages']),
    profile: values.profile,
    bareTokenCache: values['bare-token-cache'],
  };
}

function say(line: string): void {
  console.log(`[bench] ${line}`);
}

main().catch((err) => {
  console.error(`[bench] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
