// The notification benchmark in one run (issue 11): the bare baseline (HTTP -> RabbitMQ ->
// consumer -> Postgres -> ws), then the built platform through its gateway (POST /api/v1/requests
// -> request-service -> outbox relay -> RabbitMQ -> notification-service -> Postgres -> Redis ->
// /ws/notifications), the same staff sockets and the same ladder of submission rates; prints both
// side by side and writes bench/results/notifications-<date>.json and .md.
// Run it with `bash bench/run-notifications.sh` (builds, then runs this).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { createTestVhost, stopChild, testPostgresUrl } from '@ajla/testing';
import { sleep } from './chat-load';
import {
  NotificationLoad,
  formatNotificationStep,
  sustained,
  type NotificationStepResult,
} from './notification-load';
import { CpuProbe, cpuMsPerUnit, type CpuShare } from './support/cpu-probe';
import { DbProbe, type DbWork } from './support/db-probe';
import { PlatformUnavailable, startPlatform } from './support/platform';
import { runEnvironment, tracingOn } from './support/environment';

/** bench/ in the source tree; this file runs compiled from tmp/bench-build/bench/. */
const REPO_ROOT = path.resolve(__dirname, '../../..');
/** Target 1: the platform's rate counts at this p99 or below. */
const P99_BOUND_MS = 250;
/** Target 2: the platform's p99 at compareAt is at most this many times the baseline's. */
const P99_RATIO = 3;

interface Options {
  rates: number[];
  compareAt: number;
  compareRepeats: number;
  durationS: number;
  warmupS: number;
  drainS: number;
  staff: number;
  clients: number;
  keepGoing: boolean;
  skipBaseline: boolean;
  skipPlatform: boolean;
  quick: boolean;
}

type Step = NotificationStepResult & {
  repeat_p99s_ms?: number[];
  /** Kept up: achieved >= 95 % of offered, p99 < 1 s, nothing lost, no error. */
  sustained: boolean;
  /** Sustained and p99 <= 250 ms (what target 1 counts). */
  within_bound: boolean;
  cpu: CpuShare;
  /** CPU time per submission delivered in the window, per component. */
  cpu_ms_per_submission: Record<string, number>;
  db_per_submission: DbWork;
  /** Platform: work still queued at the end of the window (mail to send, events to relay). */
  backlog?: Backlog;
  /** Seconds waited after the step for that backlog to clear before the next step. */
  settle_s?: number;
};

interface Backlog {
  /** Notifications of submitted requests not stored yet (events queued or being handled). */
  notifications_missing: number;
  /** Mails due and not sent yet (a digest waiting for its delay is not a backlog). */
  mail_pending: number;
  outbox_waiting: number;
}

interface TargetRun {
  steps: Step[];
  /** Highest rate sustained (achieved >= 95 %, p99 < 1 s, nothing lost, no error). */
  max_sustained_rate: number | null;
  /** Highest rate sustained with p99 <= 250 ms. */
  max_rate_within_bound: number | null;
  skipped?: string;
  failed?: string;
  setup?: Record<string, unknown>;
}

interface Probes {
  cpu: CpuProbe;
  db: DbProbe;
  /** Platform only: queued work at the end of a window, and a wait for it to clear. */
  backlog?: { sample(): Promise<Backlog>; settle(timeoutMs: number): Promise<number> };
}

async function main(): Promise<void> {
  const options = readOptions();
  const startedAt = new Date();
  const environment = await runEnvironment(REPO_ROOT, startedAt);
  say(
    `notification benchmark${options.quick ? ' (quick)' : ''}: ${options.staff} staff sockets, ` +
      `rates ${options.rates.join(', ')} submissions/s, ${options.warmupS} s warm-up + ` +
      `${options.durationS} s each; load average ${environment.load_average_before.join(' ')} ` +
      `on ${environment.cpus}`,
  );

  const baseline = options.skipBaseline
    ? skipped('skipped (--skip-baseline)')
    : await runBaseline(options);
  const platform = options.skipPlatform
    ? skipped('skipped (--skip-platform)')
    : await runPlatform(options);

  const verdict = judge(baseline, platform, options.compareAt);
  const table = markdownTable(baseline, platform);
  console.log(`\n${table}\n`);
  for (const line of verdict.lines) say(line);

  const stamp = startedAt.toISOString().slice(0, 16).replace(':', '-');
  const base = path.join(
    REPO_ROOT,
    'bench/results',
    `notifications-${stamp}${options.quick ? '-quick' : ''}${tracingOn() ? '-tracing' : ''}`,
  );
  mkdirSync(path.dirname(base), { recursive: true });
  const { lines, ...targets } = verdict;
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      {
        benchmark: 'notifications',
        environment,
        options,
        targets: { ...targets, summary: lines },
        baseline,
        platform,
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(
    `${base}.md`,
    [
      `# Notification benchmark, ${environment.started_at}`,
      '',
      `Commit \`${environment.commit}\`, Node ${environment.node}, Postgres ${environment.postgres}, ` +
        `${environment.cpus}, load average before ${environment.load_average_before.join(' ')}. ` +
        `${options.staff} staff sockets; ${options.warmupS} s warm-up + ${options.durationS} s per step` +
        `${options.quick ? ' (quick mode: a smoke check, not a measurement)' : ''}.`,
      '',
      table,
      '',
      ...lines.map((line) => `- ${line}`),
      '',
    ].join('\n'),
  );
  say(`results: ${path.relative(REPO_ROOT, base)}.json and .md`);
}

// ---------------------------------------------------------------------------------------------

async function runBaseline(options: Options): Promise<TargetRun> {
  say('baseline: starting the bare HTTP -> RabbitMQ -> consumer -> Postgres -> ws pipeline');
  const vhost = createTestVhost(undefined, 'bench');
  const tag = randomBytes(4).toString('hex');
  const topology = ['--exchange', `bench.events.${tag}`, '--queue', `bench.notifications.${tag}`];
  const env = { ...process.env, RABBITMQ_URL: vhost.url };
  // BENCH_PORT_BASE=N: the consumer on N+6 and the API on N+7 (after the platform's); else free.
  const portBase = Number(process.env.BENCH_PORT_BASE) || undefined;
  const portArg = (offset: number) =>
    portBase === undefined ? [] : ['--port', String(portBase + offset)];
  let consumer: Started | undefined;
  let api: Started | undefined;
  let db: DbProbe | undefined;
  try {
    // The consumer first: its queue is bound before anything is published.
    consumer = await startJsonChild(
      'baseline/notification-consumer.js',
      [...topology, ...portArg(6)],
      env,
    );
    api = await startJsonChild('baseline/notification-api.js', [...topology, ...portArg(7)], env);
    db = await DbProbe.open(testPostgresUrl(), String(consumer.ready.database));
    const consumerUrl = `127.0.0.1:${consumer.ready.port}`;
    const staffIds: string[] = [];
    for (let i = 0; i < options.staff; i++) {
      const res = await fetch(`http://${consumerUrl}/staff`, { method: 'POST' });
      staffIds.push(((await res.json()) as { id: string }).id);
    }
    const cpu = new CpuProbe({
      load_generator: () => [process.pid],
      baseline_api: () => [api!.child.pid!],
      baseline_consumer: () => [consumer!.child.pid!],
      postgres: CpuProbe.byCommand('postgres'),
      rabbitmq: CpuProbe.byCommand('beam.smp'),
    });
    const load = await NotificationLoad.open(
      {
        submitUrl: `http://127.0.0.1:${api.ready.port}/requests`,
        clientTokens: [],
        staffSocketUrls: staffIds.map((id) => `ws://${consumerUrl}/ws/notifications?token=${id}`),
      },
      (line) => say(`baseline: ${line}`),
    );
    const probes = await load.untilEveryStaffHears(30_000);
    say(`baseline: every staff socket heard of submission ${probes}; measuring`);
    const run = await runSteps('baseline', load, options, { cpu, db });
    return { ...run, setup: { staff: options.staff } };
  } catch (err) {
    say(`baseline: FAILED: ${String(err)}`);
    return failed(String(err));
  } finally {
    await db?.close();
    if (api) await stopChild(api.child);
    if (consumer) await stopChild(consumer.child);
    vhost.drop();
  }
}

async function runPlatform(options: Options): Promise<TargetRun> {
  say('platform: starting the built platform (own database, vhost, Redis prefix, keys)');
  // Every notification is also mailed (no SMTP here: one .eml file per mail); into a folder of
  // the run's own, removed at the end. Access tokens outlive the longest ladder.
  const mailDir = mkdtempSync(path.join(os.tmpdir(), 'ajla-bench-mail-'));
  let platform;
  try {
    platform = await startPlatform(REPO_ROOT, {
      MAIL_DROP_DIR: mailDir,
      JWT_ACCESS_TTL_SECONDS: '3600',
    });
  } catch (err) {
    rmSync(mailDir, { recursive: true, force: true });
    const unavailable = err instanceof PlatformUnavailable;
    const reason = unavailable ? err.message : `failed to start: ${String(err)}`;
    say(`platform: ${unavailable ? 'SKIPPED' : 'FAILED'}: ${reason}`);
    return unavailable ? skipped(reason) : failed(reason);
  }
  const db = await DbProbe.open(testPostgresUrl(), platform.database);
  const sql = new Client({ connectionString: databaseUrl(platform.database) });
  await sql.connect();
  try {
    say(
      `platform: up at ${platform.gatewayUrl} (logs in ${path.relative(REPO_ROOT, platform.logsDir)})`,
    );
    const setup = await setUpPlatform(platform.gatewayUrl, platform.admin, options);
    const staffCount = await untilStaffKnown(sql, options.staff, 30_000);
    if (staffCount !== options.staff) {
      throw new Error(
        `notification-service knows ${staffCount} staff accounts, not ${options.staff}`,
      );
    }
    const components: Record<string, () => number[]> = { load_generator: () => [process.pid] };
    for (const [app, pid] of Object.entries(platform.pids)) components[app] = () => [pid];
    components.postgres = CpuProbe.byCommand('postgres');
    components.redis = CpuProbe.byCommand('redis-server');
    components.rabbitmq = CpuProbe.byCommand('beam.smp');
    const wsBase = platform.gatewayUrl.replace(/^http/, 'ws');
    const load = await NotificationLoad.open(
      {
        submitUrl: `${platform.gatewayUrl}/api/v1/requests`,
        clientTokens: setup.clientTokens,
        staffSocketUrls: setup.staffTokens.map(
          (token) => `${wsBase}/ws/notifications?token=${encodeURIComponent(token)}`,
        ),
      },
      (line) => say(`platform: ${line}`),
    );
    const probes = await load.untilEveryStaffHears(30_000);
    say(`platform: every staff socket heard of submission ${probes}; measuring`);
    const backlog = {
      sample: () => platformBacklog(sql, staffCount),
      settle: async (timeoutMs: number) => {
        const started = Date.now();
        for (;;) {
          const b = await platformBacklog(sql, staffCount);
          const clear = b.notifications_missing <= 0 && b.mail_pending === 0 && !b.outbox_waiting;
          if (clear || Date.now() - started > timeoutMs)
            return Math.round((Date.now() - started) / 100) / 10;
          await sleep(500);
        }
      },
    };
    const run = await runSteps('platform', load, options, {
      cpu: new CpuProbe(components),
      db,
      backlog,
    });
    return {
      ...run,
      setup: {
        staff: staffCount,
        clients: setup.clientTokens.length,
        mail: 'every notification also mailed, as .eml files into a temporary folder',
      },
    };
  } catch (err) {
    say(`platform: FAILED: ${String(err)}`);
    return failed(String(err));
  } finally {
    await sql.end().catch(() => undefined);
    await db.close();
    await platform.stop();
    rmSync(mailDir, { recursive: true, force: true });
  }
}

/**
 * Through the gateway only, as people would: the bootstrap admin (one staff member) creates the
 * other staff as agents; each logs in; clients register and log in.
 */
async function setUpPlatform(
  gatewayUrl: string,
  admin: { email: string; password: string },
  options: Options,
): Promise<{ staffTokens: string[]; clientTokens: string[] }> {
  const base = `${gatewayUrl}/api/v1`;
  const run = randomBytes(4).toString('hex');
  const password = `bench-${run}-password`;
  const login = async (email: string, pw: string) =>
    (
      (await http('POST', `${base}/auth/login`, { email, password: pw })) as {
        access_token: string;
      }
    ).access_token;
  say(`platform: creating ${options.staff - 1} agents beside the bootstrap admin`);
  const adminToken = await login(admin.email, admin.password);
  const staffTokens = [adminToken];
  for (let i = 1; i < options.staff; i++) {
    const email = `bench.agent.${run}.${i}@ajla.test`;
    await http(
      'POST',
      `${base}/admin/users`,
      { email, password, full_name: `Bench Agent ${i}`, role: 'agent' },
      adminToken,
    );
    staffTokens.push(await login(email, password));
  }
  say(`platform: registering ${options.clients} clients`);
  const clientTokens: string[] = [];
  for (let i = 0; i < options.clients; i++) {
    const email = `bench.client.${run}.${i}@ajla.test`;
    await http('POST', `${base}/auth/register`, { email, password, full_name: `Client ${i}` });
    clientTokens.push(await login(email, password));
  }
  return { staffTokens, clientTokens };
}

/** Waits until notification-service's directory holds `expected` staff; returns how many it holds. */
async function untilStaffKnown(sql: Client, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql
      .query<{ n: number }>(
        `SELECT count(*)::int AS n FROM notifications.accounts WHERE role IN ('agent', 'admin')`,
      )
      .catch(() => ({ rows: [{ n: 0 }] }));
    const n = rows[0].n;
    if (n >= expected || Date.now() > deadline) return n;
    await sleep(200);
  }
}

async function platformBacklog(sql: Client, staff: number): Promise<Backlog> {
  const { rows: outboxes } = await sql.query<{ schemaname: string }>(
    `SELECT schemaname FROM pg_stat_user_tables WHERE relname = 'outbox_messages'`,
  );
  const waiting = outboxes.map(
    ({ schemaname }) =>
      `(SELECT count(*)::int FROM "${schemaname.replaceAll('"', '""')}".outbox_messages
         WHERE published_at IS NULL)`,
  );
  const { rows } = await sql.query<Backlog>(
    `SELECT (SELECT count(*)::int FROM requests.requests) * $1::int
              - (SELECT count(*)::int FROM notifications.notifications
                  WHERE type = 'request.submitted') AS notifications_missing,
            (SELECT count(*)::int FROM notifications.mail_outbox
              WHERE status = 'pending' AND due_at <= now()) AS mail_pending,
            ${waiting.length ? waiting.join(' + ') : '0'} AS outbox_waiting`,
    [staff],
  );
  // These counts read every notification: the rows they read must not show in the next window's
  // "rows read" (Postgres reports a backend's table statistics up to a second late, or when it
  // next goes idle), so they are reported now.
  await sql.query('SELECT pg_stat_force_next_flush()');
  return rows[0];
}

/**
 * The ladder over one set of sockets, which it closes at the end. Past `compareAt` it stops at a
 * clearly saturated step (p99 over a second or notifications lost) or at the second step in a
 * row that is not sustained: one alone may be noise from other work on the machine.
 */
async function runSteps(
  label: string,
  load: NotificationLoad,
  options: Options,
  probes: Probes,
): Promise<Omit<TargetRun, 'setup'>> {
  const steps: Step[] = [];
  let misses = 0;
  try {
    const measure = async (rate: number): Promise<Step> => {
      let cpu: CpuShare | undefined;
      let dbBefore: ReturnType<DbProbe['sample']> | undefined;
      let dbAfter: ReturnType<DbProbe['sample']> | undefined;
      let backlog: Promise<Backlog> | undefined;
      const result = await load.runStep({
        rate,
        durationS: options.durationS,
        warmupS: options.warmupS,
        drainS: options.drainS,
        onWindowStart: () => {
          probes.cpu.start();
          dbBefore = probes.db.sample();
        },
        onWindowEnd: () => {
          cpu = probes.cpu.stop();
          dbAfter = probes.db.sample();
          // After the window's statistics are taken: the backlog's own reads are not the step's.
          const backlogProbe = probes.backlog;
          if (backlogProbe) backlog = dbAfter.then(() => backlogProbe.sample());
        },
      });
      const processed = result.achieved_rate * result.duration_s;
      const step: Step = {
        ...result,
        sustained: sustained(result),
        within_bound: sustained(result) && result.latency_ms.p99 <= P99_BOUND_MS,
        cpu: cpu!,
        cpu_ms_per_submission: cpuMsPerUnit(cpu!, result.achieved_rate),
        db_per_submission: DbProbe.perMessage(await dbBefore!, await dbAfter!, processed),
      };
      if (backlog) step.backlog = await backlog;
      // The next step starts with nothing queued from this one (mail still to send, mostly).
      if (probes.backlog) {
        step.settle_s = await probes.backlog.settle(options.quick ? 5_000 : 120_000);
      }
      return step;
    };
    for (const rate of options.rates) {
      const repeats = rate === options.compareAt ? Math.max(1, options.compareRepeats) : 1;
      const runs: Step[] = [];
      for (let i = 0; i < repeats; i++) {
        if (i > 0) await sleep(1000);
        runs.push(await measure(rate));
        // A clearly saturated step says nothing more when repeated.
        if (runs[i].latency_ms.p99 >= 1000 || runs[i].lost > 0) break;
        if (repeats > 1) {
          say(
            `${label}: ${rate}/s, run ${i + 1} of ${repeats}: ${formatNotificationStep(runs[i])}`,
          );
        }
      }
      const byP99 = [...runs].sort((a, b) => a.latency_ms.p99 - b.latency_ms.p99);
      const step: Step = {
        ...byP99[Math.floor((byP99.length - 1) / 2)],
        ...(runs.length > 1 ? { repeat_p99s_ms: runs.map((r) => r.latency_ms.p99) } : {}),
      };
      steps.push(step);
      say(`${label}: ${repeats > 1 ? 'median: ' : ''}${formatNotificationStep(step)}`);
      say(
        `${label}:   CPU ${formatCpu(step.cpu)}; per submission ${formatDb(step.db_per_submission)}` +
          (step.backlog
            ? `; at the window's end ${step.backlog.notifications_missing} notifications not ` +
              `stored yet, ${step.backlog.mail_pending} mails due, ` +
              `${step.backlog.outbox_waiting} events in outboxes (settled in ${step.settle_s} s)`
            : ''),
      );
      misses = step.sustained ? 0 : misses + 1;
      const saturated = step.latency_ms.p99 >= 1000 || step.lost > 0;
      if (misses && (saturated || misses >= 2) && rate >= options.compareAt && !options.keepGoing) {
        break;
      }
      await sleep(1000);
    }
  } finally {
    await load.close();
  }
  const rates = (pick: (s: Step) => boolean) => {
    const passing = steps.filter(pick).map((s) => s.offered_rate);
    return passing.length ? Math.max(...passing) : null;
  };
  return {
    steps,
    max_sustained_rate: rates((s) => s.sustained),
    max_rate_within_bound: rates((s) => s.within_bound),
  };
}

// ---------------------------------------------------------------------------------------------

function judge(baseline: TargetRun, platform: TargetRun, compareAt: number) {
  const lines: string[] = [];
  const at = (run: TargetRun) => run.steps.find((s) => s.offered_rate === compareAt);
  let throughputMet: boolean | null = null;
  let latencyMet: boolean | null = null;
  if (!baseline.skipped && !baseline.failed) {
    lines.push(
      baseline.max_sustained_rate === null
        ? 'baseline sustains none of the rates'
        : `baseline sustains ${baseline.max_sustained_rate} submissions/s`,
    );
    if (baseline.steps.at(-1)?.sustained) {
      lines.push(
        'the baseline sustained the highest rate tried: add higher --rates to find its limit',
      );
    }
  } else {
    lines.push(`baseline: ${baseline.skipped ?? `failed: ${baseline.failed}`}`);
  }
  if (platform.skipped || platform.failed) {
    lines.push(`platform: ${platform.skipped ?? `failed: ${platform.failed}`}`);
  } else {
    lines.push(
      `platform sustains ${platform.max_sustained_rate ?? 'none of the rates'}` +
        `${platform.max_sustained_rate === null ? '' : ' submissions/s'}, ` +
        `${platform.max_rate_within_bound ?? 'none'} with p99 <= ${P99_BOUND_MS} ms`,
    );
    if (baseline.max_sustained_rate !== null) {
      const needed = baseline.max_sustained_rate / 2;
      throughputMet = (platform.max_rate_within_bound ?? 0) >= needed;
      lines.push(
        `target 1 (platform sustains >= half the baseline's rate, ${needed}/s, with p99 <= ` +
          `${P99_BOUND_MS} ms; it does ${platform.max_rate_within_bound ?? 0}/s): ` +
          (throughputMet ? 'MET' : 'NOT MET'),
      );
    }
    const b = at(baseline);
    const p = at(platform);
    if (b && p) {
      const bound = Math.round(P99_RATIO * b.latency_ms.p99 * 10) / 10;
      latencyMet = p.latency_ms.p99 <= bound && p.sustained;
      const p99 = p.latency_ms.count ? `${p.latency_ms.p99} ms` : 'none delivered in time';
      lines.push(
        `target 2 (at ${compareAt}/s platform p99 ${p99} <= ${P99_RATIO} x ` +
          `baseline ${b.latency_ms.p99} ms = ${bound} ms, and sustained): ` +
          (latencyMet ? 'MET' : 'NOT MET'),
      );
    }
  }
  const other = Math.max(0, ...[...baseline.steps, ...platform.steps].map((s) => s.cpu.other_pct));
  if (other >= 25) {
    lines.push(
      `warning: other work on the machine used up to ${Math.round(other)}% of one core during a ` +
        'measured window; these numbers are pessimistic, run again on a quiet machine',
    );
  }
  return { throughput_target_met: throughputMet, latency_target_met: latencyMet, lines };
}

function markdownTable(baseline: TargetRun, platform: TargetRun): string {
  const cpuOf = (s: Step) => {
    const top = Object.entries(s.cpu_ms_per_submission)
      .filter(([, v]) => v >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${shortName(k)} ${v}`);
    return `${top.join(', ')} (other work ${Math.round(s.cpu.other_pct)}%)`;
  };
  const rows = [
    '| target | offered /s | achieved /s | 201 → socket p50 / p90 / p99 / max (ms) | last socket p99 | HTTP p99 | lost | sustained | p99 ≤ 250 | CPU ms per submission |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: | :---: | --- |',
  ];
  for (const [name, run] of [
    ['baseline', baseline],
    ['platform', platform],
  ] as const) {
    if (run.steps.length === 0) {
      rows.push(
        `| ${name} | — | — | ${run.skipped ? 'not measured' : 'failed'} | — | — | — | — | — | — |`,
      );
    }
    for (const s of run.steps) {
      const l = s.latency_ms;
      const repeats = s.repeat_p99s_ms ? ` (runs ${s.repeat_p99s_ms.join(', ')})` : '';
      const lost = `${s.lost}${s.error_count ? ` (+${s.error_count} err)` : ''}`;
      const latency =
        l.count === 0
          ? 'none delivered in time'
          : `${l.p50} / ${l.p90} / ${l.p99}${repeats} / ${l.max}`;
      rows.push(
        `| ${name} | ${s.offered_rate} | ${s.achieved_rate} | ${latency} | ` +
          `${s.last_socket_latency_ms.p99} | ${s.http_latency_ms.p99} | ${lost} | ` +
          `${s.sustained ? 'yes' : 'no'} | ${s.within_bound ? 'yes' : 'no'} | ${cpuOf(s)} |`,
      );
    }
  }
  return rows.join('\n');
}

function shortName(component: string): string {
  return component
    .replace('-service', '')
    .replace('load_generator', 'generator')
    .replace('baseline_', '');
}

function formatDb(db: DbWork): string {
  const tables = Object.entries(db.tables)
    .sort((a, b) => b[1].read + b[1].written - (a[1].read + a[1].written))
    .slice(0, 6)
    .map(([name, t]) => `${name} ${t.written}w/${t.read}r`);
  return `${db.commits} commits, ${db.rows_inserted} rows inserted; ${tables.join(', ')}`;
}

function formatCpu(cpu: CpuShare): string {
  const parts = Object.entries(cpu.components).map(([k, v]) => `${shortName(k)} ${v}%`);
  return `${parts.join(', ')}, other ${cpu.other_pct}% (machine ${cpu.machine_pct}%)`;
}

// ---------------------------------------------------------------------------------------------

interface Started {
  child: ChildProcess;
  ready: Record<string, unknown>;
}

/** Starts a compiled bench script that prints one JSON line when it is ready. */
async function startJsonChild(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<Started> {
  const child = spawn(process.execPath, [path.join(__dirname, script), ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  try {
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
      lines.once('line', (line) => {
        try {
          resolve(JSON.parse(line) as Record<string, unknown>);
        } catch {
          reject(new Error(`${script} said: ${line}`));
        }
      });
    });
    return { child, ready };
  } catch (err) {
    await stopChild(child);
    throw err;
  }
}

async function http(method: string, url: string, body: unknown, token?: string): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method, headers, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${new URL(url).pathname}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function databaseUrl(database: string): string {
  const url = new URL(testPostgresUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

function skipped(reason: string): TargetRun {
  return { steps: [], max_sustained_rate: null, max_rate_within_bound: null, skipped: reason };
}

function failed(reason: string): TargetRun {
  return { steps: [], max_sustained_rate: null, max_rate_within_bound: null, failed: reason };
}

function readOptions(): Options {
  const quick = Boolean(process.env.BENCH_QUICK);
  const { values } = parseArgs({
    options: {
      rates: {
        type: 'string',
        default:
          process.env.BENCH_RATES ??
          (quick ? '10,50' : '10,25,50,100,150,200,300,400,600,800,1000,1250,1500'),
      },
      'compare-at': { type: 'string', default: '50' },
      'compare-repeats': {
        type: 'string',
        default: process.env.BENCH_COMPARE_REPEATS ?? (quick ? '1' : '3'),
      },
      duration: { type: 'string', default: process.env.BENCH_DURATION_S ?? (quick ? '5' : '12') },
      warmup: { type: 'string', default: process.env.BENCH_WARMUP_S ?? (quick ? '2' : '3') },
      drain: { type: 'string', default: process.env.BENCH_DRAIN_S ?? (quick ? '3' : '5') },
      staff: { type: 'string', default: '20' },
      clients: { type: 'string', default: '10' },
      'keep-going': { type: 'boolean', default: false },
      'skip-baseline': { type: 'boolean', default: false },
      'skip-platform': { type: 'boolean', default: false },
    },
  });
  const rates = values.rates
    .split(',')
    .map(Number)
    .sort((a, b) => a - b);
  if (rates.some((r) => !(r > 0)))
    throw new Error(`--rates: positive numbers, got ${values.rates}`);
  const staff = Number(values.staff);
  if (!(staff >= 1 && staff <= 1000)) throw new Error('--staff: 1..1000');
  return {
    rates,
    compareAt: Number(values['compare-at']),
    compareRepeats: Number(values['compare-repeats']),
    durationS: Number(values.duration),
    warmupS: Number(values.warmup),
    drainS: Number(values.drain),
    staff,
    clients: Math.max(1, Number(values.clients)),
    keepGoing: values['keep-going'],
    skipBaseline: values['skip-baseline'],
    skipPlatform: values['skip-platform'],
    quick,
  };
}

function say(line: string): void {
  console.log(`[bench] ${line}`);
}

main().catch((err) => {
  console.error(`[bench] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
