// The chat benchmark in one run: the bare baseline, then the built platform through its gateway,
// each driven by the same load generator at the same rates; prints both side by side and writes
// bench/results/<date>.json. Run it with `bash bench/run-chat.sh` (builds, then runs this).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { stopChild, testPostgresUrl } from '@ajla/testing';
import { ChatLoad, formatStep, meetsTarget, sleep, type StepResult } from './chat-load';
import { CpuProbe, cpuMsPerUnit, type CpuShare } from './support/cpu-probe';
import { DbProbe, type DbWork } from './support/db-probe';
import { runEnvironment, tracingOn } from './support/environment';
import { PlatformUnavailable, startPlatform } from './support/platform';

/** bench/ in the source tree; this file runs compiled from tmp/bench-build/bench/. */
const REPO_ROOT = path.resolve(__dirname, '../../..');
const P99_BOUND_MS = 100;

interface Options {
  rates: number[];
  /** Always run up to this rate, where the p99s are compared. */
  compareAt: number;
  /** Times the compareAt step runs; the run with the median p99 is the one compared. */
  compareRepeats: number;
  durationS: number;
  warmupS: number;
  drainS: number;
  conversations: number;
  clients: number;
  keepGoing: boolean;
  skipBaseline: boolean;
  skipPlatform: boolean;
}

type Step = StepResult & {
  /** At compareAt: the p99 of every repeat of the step (this one is the median). */
  repeat_p99s_ms?: number[];
  meets_target: boolean;
  cpu: CpuShare;
  /** CPU time per message delivered in the window, per component: where the time goes. */
  cpu_ms_per_message: Record<string, number>;
  db_per_message: DbWork;
};

interface TargetRun {
  steps: Step[];
  /** Highest rate that met p99 <= 100 ms with nothing lost and no errors. */
  max_rate: number | null;
  skipped?: string;
  failed?: string;
  /** Sockets the server closed right after the handshake, reopened before measuring. */
  setup_issues?: string[];
}

async function main(): Promise<void> {
  const options = readOptions();
  const startedAt = new Date();
  const environment = await runEnvironment(REPO_ROOT, startedAt);
  say(
    `chat benchmark: ${options.conversations} conversations, rates ${options.rates.join(', ')} msg/s, ` +
      `${options.warmupS} s warm-up + ${options.durationS} s each; load average ` +
      `${environment.load_average_before.join(' ')} on ${environment.cpus}`,
  );

  const baseline = options.skipBaseline
    ? skipped('skipped (--skip-baseline)')
    : await runBaseline(options);
  const { gateway: platform, direct: platformDirect } = options.skipPlatform
    ? {
        gateway: skipped('skipped (--skip-platform)'),
        direct: skipped('skipped (--skip-platform)'),
      }
    : await runPlatform(options);

  const verdict = judge(baseline, platform, options.compareAt);
  printTable(baseline, platform, platformDirect);
  for (const line of verdict.lines) say(line);

  const file = path.join(
    REPO_ROOT,
    'bench/results',
    `${startedAt.toISOString().slice(0, 16).replace(':', '-')}${tracingOn() ? '-tracing' : ''}.json`,
  );
  mkdirSync(path.dirname(file), { recursive: true });
  const { lines, ...targets } = verdict;
  writeFileSync(
    file,
    JSON.stringify(
      {
        benchmark: 'chat',
        environment,
        options,
        targets: { ...targets, summary: lines },
        baseline,
        platform,
        platform_direct: platformDirect,
      },
      null,
      2,
    ) + '\n',
  );
  say(`results: ${path.relative(REPO_ROOT, file)}`);
}

// ---------------------------------------------------------------------------------------------

async function runBaseline(options: Options): Promise<TargetRun> {
  say('baseline: starting the bare ws + pg server');
  const server = await startBaselineProcess();
  const db = await DbProbe.open(testPostgresUrl(), server.database);
  try {
    const cpu = new CpuProbe({
      load_generator: () => [process.pid],
      baseline_server: () => [server.child.pid!],
      postgres: CpuProbe.byCommand('postgres'),
    });
    const load = await ChatLoad.connect(
      {
        mode: 'baseline',
        httpBase: `http://127.0.0.1:${server.port}`,
        conversations: options.conversations,
      },
      { log: (line) => say(`baseline: ${line}`) },
    );
    return await runSteps('baseline', load, options.rates, options, { cpu, db });
  } catch (err) {
    say(`baseline: FAILED: ${String(err)}`);
    return failed(String(err));
  } finally {
    await db.close();
    await stopChild(server.child);
  }
}

/** The platform through its gateway at every rate, then once without the gateway at compareAt. */
async function runPlatform(options: Options): Promise<{ gateway: TargetRun; direct: TargetRun }> {
  say('platform: starting the built platform (own database, vhost, Redis prefix, keys)');
  let platform;
  try {
    platform = await startPlatform(REPO_ROOT);
  } catch (err) {
    const unavailable = err instanceof PlatformUnavailable;
    const reason = unavailable ? err.message : `failed to start: ${String(err)}`;
    say(`platform: ${unavailable ? 'SKIPPED' : 'FAILED'}: ${reason}`);
    const run = unavailable ? skipped(reason) : failed(reason);
    return { gateway: run, direct: run };
  }
  const db = await DbProbe.open(testPostgresUrl(), platform.database);
  let gateway: TargetRun = failed('not run');
  let direct: TargetRun = skipped('not run');
  try {
    say(
      `platform: up at ${platform.gatewayUrl} (logs in ${path.relative(REPO_ROOT, platform.logsDir)})`,
    );
    const components: Record<string, () => number[]> = { load_generator: () => [process.pid] };
    for (const [app, pid] of Object.entries(platform.pids)) components[app] = () => [pid];
    components.postgres = CpuProbe.byCommand('postgres');
    components.redis = CpuProbe.byCommand('redis-server');
    components.rabbitmq = CpuProbe.byCommand('beam.smp');
    const probes = { cpu: new CpuProbe(components), db };
    const load = await ChatLoad.connect(
      {
        mode: 'platform',
        httpBase: platform.gatewayUrl,
        conversations: options.conversations,
        clients: options.clients,
        admin: platform.admin,
      },
      { log: (line) => say(`platform: ${line}`) },
    );
    gateway = await runSteps('platform', load, options.rates, options, probes);
    // After a saturated step the relays still publish the backlog: the step without the gateway
    // starts once they are done, so it does not pay for the ladder's last steps.
    const waiting = await db.outboxDrained(120_000);
    if (waiting > 0) say(`platform: ${waiting} events still in the outboxes after 2 minutes`);
    const serviceUrl = platform.serviceUrls['conversation-service'];
    say(`platform: the same conversations without the gateway, straight to ${serviceUrl}`);
    const straight = await load.reopen(serviceUrl.replace(/^http/, 'ws'));
    direct = await runSteps('platform-direct', straight, [options.compareAt], options, probes);
  } catch (err) {
    say(`platform: FAILED: ${String(err)}`);
    gateway = gateway.steps.length ? gateway : failed(String(err));
  } finally {
    await db.close();
    await platform.stop();
  }
  return { gateway, direct };
}

/**
 * The rates in ascending order over one set of sockets, which it closes at the end. Past
 * `compareAt` it stops at a step that is clearly saturated (p99 over a second, or messages lost)
 * or at the second miss in a row: one miss alone may be noise from other work on the machine.
 */
async function runSteps(
  label: string,
  load: ChatLoad,
  rates: number[],
  options: Options,
  probes: { cpu: CpuProbe; db: DbProbe },
): Promise<TargetRun> {
  const steps: Step[] = [];
  let misses = 0;
  try {
    const measure = async (rate: number): Promise<Step> => {
      let cpu: CpuShare | undefined;
      let dbBefore: ReturnType<DbProbe['sample']> | undefined;
      let dbAfter: ReturnType<DbProbe['sample']> | undefined;
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
        },
      });
      const processed = result.achieved_rate * result.duration_s;
      return {
        ...result,
        meets_target: meetsTarget(result, P99_BOUND_MS),
        cpu: cpu!,
        cpu_ms_per_message: cpuMsPerUnit(cpu!, result.achieved_rate),
        db_per_message: DbProbe.perMessage(await dbBefore!, await dbAfter!, processed),
      };
    };
    for (const rate of rates) {
      // The step whose p99s are compared runs several times: one 15 s window's p99 on a shared
      // 2-core machine swings by 2x from run to run; the median one is kept, all p99s noted.
      const repeats = rate === options.compareAt ? Math.max(1, options.compareRepeats) : 1;
      const runs: Step[] = [];
      for (let i = 0; i < repeats; i++) {
        if (i > 0) await sleep(1000);
        runs.push(await measure(rate));
        if (repeats > 1) {
          say(`${label}: ${rate} msg/s, run ${i + 1} of ${repeats}: ${formatStep(runs[i])}`);
        }
      }
      const byP99 = [...runs].sort((a, b) => a.latency_ms.p99 - b.latency_ms.p99);
      const step: Step = {
        ...byP99[Math.floor((byP99.length - 1) / 2)],
        ...(repeats > 1 ? { repeat_p99s_ms: runs.map((r) => r.latency_ms.p99) } : {}),
      };
      steps.push(step);
      say(`${label}: ${repeats > 1 ? 'median: ' : ''}${formatStep(step)}`);
      say(`${label}:   CPU ${formatCpu(step.cpu)}; per message ${formatDb(step.db_per_message)}`);
      misses = step.meets_target ? 0 : misses + 1;
      const saturated = step.latency_ms.p99 > 1000 || step.lost > 0;
      if (misses && (saturated || misses >= 2) && rate >= options.compareAt && !options.keepGoing) {
        break;
      }
      await sleep(1000);
    }
  } finally {
    await load.close();
  }
  const passing = steps.filter((s) => s.meets_target).map((s) => s.offered_rate);
  return {
    steps,
    max_rate: passing.length ? Math.max(...passing) : null,
    ...(load.setupIssues.length ? { setup_issues: load.setupIssues } : {}),
  };
}

// ---------------------------------------------------------------------------------------------

function judge(baseline: TargetRun, platform: TargetRun, compareAt: number) {
  const lines: string[] = [];
  const at = (run: TargetRun) => run.steps.find((s) => s.offered_rate === compareAt);
  const b = at(baseline);
  const p = at(platform);
  let throughputMet: boolean | null = null;
  let latencyMet: boolean | null = null;
  const sustains = (name: string, run: TargetRun) =>
    run.max_rate === null
      ? `${name} meets p99 <= ${P99_BOUND_MS} ms at none of the rates`
      : `${name} sustains ${run.max_rate} msg/s at p99 <= ${P99_BOUND_MS} ms`;
  if (!baseline.skipped) lines.push(sustains('baseline', baseline));
  const top = baseline.steps.at(-1);
  if (top?.meets_target) {
    lines.push(
      `the baseline met the target at the highest rate tried: add higher --rates to find its limit`,
    );
  }
  if (platform.skipped || platform.failed) {
    lines.push(
      `platform: ${platform.skipped ? 'not measured' : 'failed'}: ${platform.skipped ?? platform.failed}`,
    );
  } else {
    lines.push(sustains('platform', platform));
    if (baseline.max_rate !== null) {
      throughputMet = (platform.max_rate ?? 0) >= baseline.max_rate / 2;
      lines.push(
        `target 1 (platform >= half the baseline's rate, ${baseline.max_rate / 2} msg/s): ` +
          (throughputMet ? 'MET' : 'NOT MET'),
      );
    }
    if (b && p) {
      latencyMet = p.latency_ms.p99 <= 3 * b.latency_ms.p99 && p.lost === 0;
      lines.push(
        `target 2 (at ${compareAt} msg/s platform p99 ${p.latency_ms.p99} ms <= 3 x baseline ` +
          `${b.latency_ms.p99} ms = ${Math.round(3 * b.latency_ms.p99 * 10) / 10} ms): ` +
          (latencyMet ? 'MET' : 'NOT MET'),
      );
    }
  }
  for (const [name, run] of [
    ['baseline', baseline],
    ['platform', platform],
  ] as const) {
    for (const issue of run.setup_issues ?? []) lines.push(`${name} setup: ${issue}`);
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

function printTable(baseline: TargetRun, platform: TargetRun, direct: TargetRun): void {
  const cpuOf = (s: Step) => {
    const top = Object.entries(s.cpu_ms_per_message)
      .filter(([, v]) => v >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${shortName(k)} ${v}`);
    return `${top.join(', ')} (other work ${Math.round(s.cpu.other_pct)}%)`;
  };
  const dbOf = ({ db_per_message: d }: Step) =>
    `${d.commits} / ${Math.round((d.rows_inserted + d.rows_updated + d.rows_deleted) * 100) / 100}`;
  const rows = [
    '| target | offered msg/s | achieved msg/s | latency p50 / p90 / p99 / max (ms) | lost | p99 <= 100 ms | CPU ms per message | DB commits / rows written per msg |',
    '| --- | ---: | ---: | ---: | ---: | :---: | --- | ---: |',
  ];
  for (const [name, run] of [
    ['baseline', baseline],
    ['platform', platform],
    ['platform, no gateway', direct],
  ] as const) {
    if (run.steps.length === 0) {
      rows.push(`| ${name} | — | — | ${run.skipped ? 'not measured' : 'failed'} | — | — | — | — |`);
    }
    for (const s of run.steps) {
      const l = s.latency_ms;
      const lost = `${s.lost}${s.error_count ? ` (+${s.error_count} err)` : ''}`;
      rows.push(
        `| ${name} | ${s.offered_rate} | ${s.achieved_rate} | ${l.p50} / ${l.p90} / ${l.p99} / ${l.max} | ` +
          `${lost} | ${s.meets_target ? 'yes' : 'no'} | ${cpuOf(s)} | ${dbOf(s)} |`,
      );
    }
  }
  console.log(`\n${rows.join('\n')}\n`);
}

function shortName(component: string): string {
  return component
    .replace('-service', '')
    .replace('load_generator', 'generator')
    .replace('baseline_server', 'server');
}

function formatDb(db: DbWork): string {
  const tables = Object.entries(db.tables)
    .sort((a, b) => b[1].read + b[1].written - (a[1].read + a[1].written))
    .map(([name, t]) => `${name} ${t.written} written/${t.read} read/${t.seq_scans} seq scans`);
  return (
    `${db.commits} commits, ${db.rows_inserted} inserted, ${db.rows_updated} updated, ` +
    `${db.rows_deleted} deleted, ${db.rows_read} read; ${tables.join('; ')}`
  );
}

function formatCpu(cpu: CpuShare): string {
  const parts = Object.entries(cpu.components).map(([k, v]) => `${shortName(k)} ${v}%`);
  return `${parts.join(', ')}, other ${cpu.other_pct}% (machine ${cpu.machine_pct}%)`;
}

// ---------------------------------------------------------------------------------------------

async function startBaselineProcess(): Promise<{
  child: ChildProcess;
  port: number;
  database: string;
}> {
  const child = spawn(process.execPath, [path.join(__dirname, 'baseline/server.js')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const ready = await new Promise<{ port: number; database: string }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the baseline server exited (${code})`)));
    lines.once('line', (line) => {
      try {
        resolve(JSON.parse(line) as { port: number; database: string });
      } catch {
        reject(new Error(`the baseline server said: ${line}`));
      }
    });
  });
  return { child, ...ready };
}

function skipped(reason: string): TargetRun {
  return { steps: [], max_rate: null, skipped: reason };
}

function failed(reason: string): TargetRun {
  return { steps: [], max_rate: null, failed: reason };
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      rates: {
        type: 'string',
        default:
          process.env.BENCH_RATES ??
          '250,500,750,1000,1250,1500,1750,2000,2500,3000,3500,4000,5000',
      },
      'compare-at': { type: 'string', default: '500' },
      'compare-repeats': { type: 'string', default: process.env.BENCH_COMPARE_REPEATS ?? '3' },
      duration: { type: 'string', default: process.env.BENCH_DURATION_S ?? '15' },
      warmup: { type: 'string', default: process.env.BENCH_WARMUP_S ?? '3' },
      drain: { type: 'string', default: process.env.BENCH_DRAIN_S ?? '5' },
      conversations: { type: 'string', default: process.env.BENCH_CONVERSATIONS ?? '100' },
      clients: { type: 'string', default: process.env.BENCH_CLIENTS ?? '10' },
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
  return {
    rates,
    compareAt: Number(values['compare-at']),
    compareRepeats: Number(values['compare-repeats']),
    durationS: Number(values.duration),
    warmupS: Number(values.warmup),
    drainS: Number(values.drain),
    conversations: Number(values.conversations),
    clients: Number(values.clients),
    keepGoing: values['keep-going'],
    skipBaseline: values['skip-baseline'],
    skipPlatform: values['skip-platform'],
  };
}

function say(line: string): void {
  console.log(`[bench] ${line}`);
}

main().catch((err) => {
  console.error(`[bench] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
