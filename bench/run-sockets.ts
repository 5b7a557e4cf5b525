// The socket benchmark in one run (issue 14): a ladder of idle authenticated chat sockets
// (`/ws/chat/{id}`) held open through the gateway, straight to conversation-service and on the
// bare Fastify + ws + pg + jose server (bench/baseline/api-server.ts), in the same run (through
// `--gateway-replicas` gateways side by side, the sockets alternating between them). At each
// step: the resident memory (VmRSS) each server process gained per socket, then one live message
// posted over HTTP that must reach every socket, with the time until the last one has it.
// Writes bench/results/sockets-<date>.json and .md. Run it with `bash bench/run-http.sh sockets`.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { stopChild } from '@ajla/testing';
import { sleep } from './chat-load';
import {
  call,
  platformCallers,
  seed,
  startApiBaselineProcess,
  type Callers,
} from './support/api-targets';
import { runEnvironment, tracingOn } from './support/environment';
import { environmentSentence, writeResults } from './support/results';
import { collectGarbage } from './support/inspector';
import { startPlatform } from './support/platform';

/** bench/ in the source tree; this file runs compiled from tmp/bench-build-run-sockets/bench/. */
const REPO_ROOT = path.resolve(__dirname, '../../..');
/** Memory per idle socket through the gateway: at most this many times the bare server's. */
const MEMORY_RATIO = 2;

type TargetName = 'bare' | 'direct' | 'gateway';

interface Target {
  name: TargetName;
  /** Where the live message is posted, and sockets open (the i-th socket on `socketUrls[i % n]`). */
  url: string;
  socketUrls: string[];
  callers: Callers;
  conversationId: string;
  /** The server processes that hold these sockets, by name. */
  processes: Record<string, number>;
}

interface Step {
  target: TargetName;
  sockets: number;
  /** Sockets that failed to open at this step (they are not counted in `sockets`). */
  open_failures: number;
  open_s: number;
  /** VmRSS per process after settling, MiB. */
  rss_mib: Record<string, number>;
  /** (VmRSS now - VmRSS with no socket) / sockets, per process and summed, KiB. */
  kib_per_socket: Record<string, number>;
  kib_per_socket_total: number;
  /**
   * The same between the previous step and this one (from no socket at the first step): what
   * each further socket costs, without one-time allocations of the first ones.
   */
  kib_per_added_socket_total: number;
  delivery: { received: number; expected: number; all_ms: number | null; p50_ms: number | null };
}

interface Options {
  steps: number[];
  /** Gateway replicas side by side; the sockets through the gateway alternate between them. */
  gatewayReplicas: number;
  openConcurrency: number;
  deliveryTimeoutS: number;
}

async function main(): Promise<void> {
  const options = readOptions();
  const startedAt = new Date();
  const environment = {
    ...(await runEnvironment(REPO_ROOT, startedAt)),
    open_files_limit: openFilesLimit() ?? null,
  };
  say(
    `socket benchmark: steps ${options.steps.join(', ')} sockets; load average ` +
      `${environment.load_average_before.join(' ')} on ${environment.cpus}; open files per ` +
      `process at most ${environment.open_files_limit ?? 'unknown'}`,
  );

  say('bare: starting the Fastify + ws + pg + jose server');
  const bare = await startApiBaselineProcess(REPO_ROOT);
  say(`platform: starting the built platform with ${options.gatewayReplicas} gateway replica(s)`);
  const platform = await startPlatform(
    REPO_ROOT,
    {},
    { gatewayReplicas: options.gatewayReplicas },
  ).catch(async (err: unknown) => {
    await stopChild(bare.child);
    throw err;
  });
  const steps: Step[] = [];
  try {
    const one = { requests: 1, messages: 0 };
    const bareSeeded = await seed(bare.url, bare.callers, one);
    const callers = await platformCallers(platform.gatewayUrl, platform.admin);
    const seeded = await seed(platform.gatewayUrl, callers, one);
    const conversationService = platform.pids['conversation-service'];
    const targets: Target[] = [
      {
        name: 'bare',
        url: bare.url,
        socketUrls: [bare.url],
        callers: bare.callers,
        conversationId: bareSeeded.conversationId,
        processes: { bare_server: bare.child.pid! },
      },
      {
        name: 'direct',
        url: platform.serviceUrls['conversation-service'],
        socketUrls: [platform.serviceUrls['conversation-service']],
        callers,
        conversationId: seeded.conversationId,
        processes: { 'conversation-service': conversationService },
      },
      {
        name: 'gateway',
        url: platform.gatewayUrl,
        socketUrls: platform.gatewayUrls,
        callers,
        conversationId: seeded.conversationId,
        processes: {
          ...Object.fromEntries(
            Object.entries(platform.pids).filter(([name]) => /^gateway(-\d+)?$/.test(name)),
          ),
          'conversation-service': conversationService,
        },
      },
    ];
    for (const target of targets) {
      for (const step of await runLadder(target, options)) steps.push(step);
    }
  } finally {
    await platform.stop();
    await stopChild(bare.child);
  }

  const verdict = judge(steps);
  const table = markdownTable(steps);
  console.log(`\n${table}\n`);
  for (const line of verdict) say(line);
  const base = writeResults(
    REPO_ROOT,
    'sockets',
    startedAt,
    tracingOn() ? '-tracing' : '',
    { benchmark: 'sockets', environment, options, targets: verdict, steps },
    [
      `# Socket benchmark, ${environment.started_at}`,
      '',
      `${environmentSentence(environment)} Gateway replicas: ${options.gatewayReplicas}; open ` +
        `files per process at most ${environment.open_files_limit ?? 'unknown'}.`,
      '',
      table,
      '',
      ...verdict.map((line) => `- ${line}`),
      '',
    ],
  );
  say(`results: ${path.relative(REPO_ROOT, base)}.json and .md`);
}

/** Sockets opened up to each step's count, measured, one live message; all closed at the end. */
async function runLadder(target: Target, options: Options): Promise<Step[]> {
  const rssBefore = await settledRss(target.processes);
  say(`${target.name}: no socket yet: ${formatRss(rssBefore)}`);
  const sockets: WebSocket[] = [];
  /** Per socket, when the live message of the current step reached it. */
  let arrivals: number[] = [];
  let marker = '';
  let previous = { rss: rssBefore, sockets: 0 };
  const steps: Step[] = [];
  const wsUrls = target.socketUrls.map(
    (url) => `${url.replace(/^http/, 'ws')}/ws/chat/${target.conversationId}?token=`,
  );
  try {
    for (const count of options.steps) {
      const started = performance.now();
      let failures = 0;
      let failure = '';
      const toOpen = count - sockets.length;
      // The index of each socket in the ladder (not `sockets.length`, which grows while the
      // openers run: with it, the parity stuck after the first batch, and with it the caller and
      // the gateway replica).
      const first = sockets.length;
      let next = 0;
      const opener = async () => {
        while (next < toOpen) {
          const i = first + next++;
          // Half as the client, half as the agent: both may hold the conversation open.
          const token = i % 2 ? target.callers.agent : target.callers.client;
          try {
            const socket = await openSocket(wsUrls[i % wsUrls.length] + token);
            socket.on('message', (data: Buffer) => {
              if (marker && data.includes(marker)) arrivals.push(performance.now());
            });
            sockets.push(socket);
          } catch (err) {
            failures++;
            failure = String(err);
          }
        }
      };
      await Promise.all(Array.from({ length: options.openConcurrency }, opener));
      const openS = round((performance.now() - started) / 1000);
      if (failures) say(`${target.name}: ${failures} sockets failed to open, e.g. ${failure}`);
      // A process that died (e.g. out of open files) ends this target's ladder, not the run.
      const rss = await settledRss(target.processes).catch((err: unknown) => {
        say(`${target.name}: stopped at ${count} sockets: ${String(err)}`);
        return undefined;
      });
      if (rss === undefined) break;
      const open = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
      const kib: Record<string, number> = {};
      for (const [name, kb] of Object.entries(rss)) {
        kib[name] = round((kb - rssBefore[name]) / Math.max(1, sockets.length));
      }

      // One live message, posted by the agent over HTTP, must reach every open socket.
      marker = `live-${randomUUID()}`;
      arrivals = [];
      const sentAt = performance.now();
      await call(
        'POST',
        `${target.url}/api/v1/messages`,
        { conversation_id: target.conversationId, content: `Live message ${marker}` },
        target.callers.agent,
      );
      const deadline = Date.now() + options.deliveryTimeoutS * 1000;
      while (arrivals.length < open && Date.now() < deadline) await sleep(20);
      const times = arrivals.map((t) => t - sentAt).sort((a, b) => a - b);
      const step: Step = {
        target: target.name,
        sockets: sockets.length,
        open_failures: failures,
        open_s: openS,
        rss_mib: Object.fromEntries(Object.entries(rss).map(([k, v]) => [k, round(v / 1024)])),
        kib_per_socket: kib,
        kib_per_socket_total: round(Object.values(kib).reduce((a, b) => a + b, 0)),
        kib_per_added_socket_total: round(
          Object.keys(rss).reduce((sum, k) => sum + rss[k] - previous.rss[k], 0) /
            Math.max(1, sockets.length - previous.sockets),
        ),
        delivery: {
          received: arrivals.length,
          expected: open,
          all_ms: arrivals.length >= open && open > 0 ? round(times[times.length - 1]) : null,
          p50_ms: times.length ? round(times[Math.floor(times.length / 2)]) : null,
        },
      };
      steps.push(step);
      previous = { rss, sockets: sockets.length };
      say(formatStep(step));
    }
  } finally {
    for (const socket of sockets) socket.terminate();
    await sleep(1000);
  }
  return steps;
}

/**
 * KiB of VmRSS per process after a forced settle: a full GC in each (through its inspector, see
 * inspector.ts), then samples 500 ms apart until two differ by under 1 % (at most 10 s).
 */
async function settledRss(processes: Record<string, number>): Promise<Record<string, number>> {
  for (const [name, pid] of Object.entries(processes)) {
    if (!(await collectGarbage(pid).catch(() => false))) {
      say(`${name}: could not force a GC (inspector port 9229 busy?): RSS measured as it is`);
    }
  }
  const sample = () =>
    Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, vmRssKib(pid)]));
  let last = sample();
  const deadline = Date.now() + 10_000;
  for (;;) {
    await sleep(500);
    const now = sample();
    const still = Object.keys(now).every((k) => Math.abs(now[k] - last[k]) <= 0.01 * last[k]);
    if (still || Date.now() > deadline) return now;
    last = now;
  }
}

function vmRssKib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) : 0;
}

function openSocket(url: string): Promise<WebSocket> {
  return new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 15_000 });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => {
      socket.terminate();
      reject(new Error(`handshake refused with ${res.statusCode}`));
    });
    socket.once('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------

function judge(steps: Step[]): string[] {
  const lines: string[] = [];
  const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED');
  for (const gateway of steps.filter((s) => s.target === 'gateway')) {
    const bare = steps.find((s) => s.target === 'bare' && s.sockets === gateway.sockets);
    const direct = steps.find((s) => s.target === 'direct' && s.sockets === gateway.sockets);
    if (!bare || bare.kib_per_socket_total <= 0) continue;
    const ratio = round(gateway.kib_per_socket_total / bare.kib_per_socket_total);
    const gateways = Object.keys(gateway.kib_per_socket).filter(
      (name) => name !== 'conversation-service',
    );
    const gatewayShare = round(
      gateways.reduce((sum, name) => sum + gateway.kib_per_socket[name], 0),
    );
    lines.push(
      `${gateway.sockets} sockets: through the gateway ${gateway.kib_per_socket_total} KiB per ` +
        `socket (${gateways.length > 1 ? `${gateways.length} gateways` : 'gateway'} ${gatewayShare} + conversation-service ` +
        `${gateway.kib_per_socket['conversation-service']}) = ${ratio} x bare ` +
        `${bare.kib_per_socket_total} KiB (<= ${MEMORY_RATIO}): ${verdict(ratio <= MEMORY_RATIO)}` +
        ` (the gateway alone ${round(gatewayShare / bare.kib_per_socket_total)} x;` +
        ` each socket added since the previous step ${gateway.kib_per_added_socket_total} KiB against` +
        ` ${bare.kib_per_added_socket_total})` +
        (direct
          ? `; straight to conversation-service ${direct.kib_per_socket_total} KiB = ` +
            `${round(direct.kib_per_socket_total / bare.kib_per_socket_total)} x bare`
          : ''),
    );
  }
  for (const s of steps) {
    const d = s.delivery;
    const all = d.received >= d.expected && d.expected === s.sockets && s.sockets > 0;
    lines.push(
      `${s.target}, ${s.sockets} sockets: live message reached ${d.received} of ${s.sockets}` +
        `${d.all_ms === null ? '' : ` in ${d.all_ms} ms`}: ${verdict(all)}`,
    );
  }
  return lines;
}

function markdownTable(steps: Step[]): string {
  const rows = [
    '| target | sockets | open (s) | VmRSS per process (MiB) | KiB per socket by process | KiB per socket, total | KiB per socket added since the previous step | live message: reached / time to all (ms) |',
    '| --- | ---: | ---: | --- | --- | ---: | ---: | ---: |',
  ];
  for (const s of steps) {
    const per = (o: Record<string, number>) =>
      Object.entries(o)
        .map(([k, v]) => `${k.replace('-service', '')} ${v}`)
        .join(', ');
    rows.push(
      `| ${s.target} | ${s.sockets}${s.open_failures ? ` (+${s.open_failures} failed)` : ''} | ` +
        `${s.open_s} | ${per(s.rss_mib)} | ${per(s.kib_per_socket)} | ${s.kib_per_socket_total} | ` +
        `${s.kib_per_added_socket_total} | ` +
        `${s.delivery.received} / ${s.delivery.all_ms ?? '—'} |`,
    );
  }
  return rows.join('\n');
}

function formatStep(s: Step): string {
  return (
    `${s.target}: ${s.sockets} sockets open in ${s.open_s} s; KiB per socket ` +
    `${JSON.stringify(s.kib_per_socket)} (total ${s.kib_per_socket_total}); live message reached ` +
    `${s.delivery.received} of ${s.delivery.expected} open (p50 ${s.delivery.p50_ms} ms, all ` +
    `${s.delivery.all_ms ?? 'not all'} ms)`
  );
}

function formatRss(rss: Record<string, number>): string {
  return Object.entries(rss)
    .map(([k, v]) => `${k} ${round(v / 1024)} MiB`)
    .join(', ');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function readOptions(): Options {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: process.env.BENCH_SOCKET_STEPS ?? '1000,2000,5000' },
      'open-concurrency': { type: 'string', default: '50' },
      'delivery-timeout': { type: 'string', default: '15' },
      'gateway-replicas': { type: 'string', default: '1' },
    },
  });
  const steps = values.steps
    .split(',')
    .map(Number)
    .sort((a, b) => a - b);
  if (steps.some((n) => !(n > 0)))
    throw new Error(`--steps: positive numbers, got ${values.steps}`);
  const gatewayReplicas = Number(values['gateway-replicas']);
  if (!Number.isInteger(gatewayReplicas) || gatewayReplicas < 1) {
    throw new Error(`--gateway-replicas: a positive integer, got ${values['gateway-replicas']}`);
  }
  // Each process holds a file per socket, a gateway two per socket through it (the client's and
  // the upstream's): past the open-files limit, sockets fail to open (EMFILE).
  const most = steps[steps.length - 1]!;
  const limit = openFilesLimit();
  const needed = Math.max(most, Math.ceil((2 * most) / gatewayReplicas)) + 200;
  if (limit !== undefined && needed > limit) {
    say(
      `warning: ${most} sockets need about ${needed} open files in one process, above the ` +
        `limit of ${limit} (ulimit -n): expect failures to open (more --gateway-replicas?)`,
    );
  }
  return {
    steps,
    gatewayReplicas,
    openConcurrency: Number(values['open-concurrency']),
    deliveryTimeoutS: Number(values['delivery-timeout']),
  };
}

/** The soft limit on open files of this process (and of the processes it starts). */
function openFilesLimit(): number | undefined {
  const match = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return match ? Number(match[1]) : undefined;
}

function say(line: string): void {
  console.log(`[bench] ${line}`);
}

main().catch((err) => {
  console.error(`[bench] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
