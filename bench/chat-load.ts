// Chat load generator: many conversations, a client and an agent socket each, messages sent at a
// fixed open-loop rate, latency measured from the moment a message was due to be sent to its
// arrival (`message` frame) at the conversation's OTHER socket.
//
//   node tmp/bench-build/bench/chat-load.js --mode platform --http http://127.0.0.1:8000 \
//     --rates 250,500,1000 --conversations 100 --duration 15 --warmup 3
//
// (bench/run-chat.sh compiles bench/ into tmp/bench-build and runs the baseline and the platform
// side by side; this file also runs alone against either.)
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';

export type TargetMode = 'baseline' | 'platform';

export interface TargetOptions {
  mode: TargetMode;
  /** HTTP base, e.g. http://127.0.0.1:8000 (the gateway, or the baseline server). */
  httpBase: string;
  /** WebSocket base; derived from httpBase when omitted. */
  wsBase?: string;
  conversations: number;
  /** Platform mode: how many client accounts the conversations are spread over. */
  clients?: number;
  /** Platform mode: the bootstrap admin, who creates the agent. */
  admin?: { email: string; password: string };
}

export interface StepOptions {
  /** Offered rate, messages per second over all conversations and both sides. */
  rate: number;
  /** Measured window, seconds. */
  durationS: number;
  /** Sent at the same rate before the measured window, not measured. */
  warmupS: number;
  /** How long after the last send a message may still arrive before it counts as lost. */
  drainS: number;
  /** Characters per message. */
  contentLength?: number;
  /** Called when the measured window opens and closes (e.g. to sample CPU). */
  onWindowStart?: () => void;
  onWindowEnd?: () => void;
}

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface StepResult {
  offered_rate: number;
  /** Messages the generator actually put on the wire per second in the window. */
  sent_rate: number;
  /** Deliveries to the other socket that happened inside the window, per second. */
  achieved_rate: number;
  duration_s: number;
  sent: number;
  delivered: number;
  /** Sent in the window but not at the other socket within drain_s after the last send. */
  lost: number;
  /** Sent in the window with no ack to the sender within drain_s. */
  unacked: number;
  errors: Record<string, number>;
  error_count: number;
  /** Due time to arrival at the other socket, ms. */
  latency_ms: LatencySummary;
  /** Due time to the ack at the sender, ms (persistence without the fan-out). */
  ack_latency_ms: LatencySummary;
  /** Due time to the actual send, ms: when this grows, the generator itself is late. */
  send_lag_ms: LatencySummary;
}

interface ChatEndpoint {
  conversationId: string;
  clientToken: string;
  agentToken: string;
}

interface Peer {
  index: number;
  socket: WebSocket;
  /** The other side of the same conversation. */
  other: Peer;
}

/** A message sent and not yet both acked to its sender and delivered to the other side. */
interface InFlight {
  due: number;
  sender: Peer;
  measured: boolean;
  delivered: boolean;
  acked: boolean;
}

const QUIET = { log: (_: string) => undefined };

/** The conversations of a target with a client and an agent socket open on each. */
export class ChatLoad {
  private inFlight = new Map<string, InFlight>();
  private stepStats: StepStats | undefined;
  private closing = false;

  private constructor(
    private readonly endpoints: ChatEndpoint[],
    private readonly peers: Peer[],
    private readonly senders: Peer[],
    private readonly log: (line: string) => void,
    /** What went wrong while opening the sockets (and was mended by reopening). */
    readonly setupIssues: string[],
  ) {}

  /** Sets the target up as a client would (through its HTTP API) and opens every socket. */
  static async connect(
    target: TargetOptions,
    logger: { log(line: string): void } = QUIET,
  ): Promise<ChatLoad> {
    const endpoints =
      target.mode === 'platform'
        ? await setUpPlatform(target, logger.log)
        : await setUpBaseline(target, logger.log);
    return ChatLoad.open(
      endpoints,
      target.wsBase ?? target.httpBase.replace(/^http/, 'ws'),
      logger.log,
    );
  }

  /** The same conversations and accounts over new sockets to another address (e.g. the service itself). */
  reopen(wsBase: string): Promise<ChatLoad> {
    return ChatLoad.open(this.endpoints, wsBase, this.log);
  }

  private static async open(
    endpoints: ChatEndpoint[],
    wsBase: string,
    log: (line: string) => void,
  ): Promise<ChatLoad> {
    log(`opening ${endpoints.length * 2} sockets to ${wsBase}`);
    const openPair = async (e: ChatEndpoint) => {
      const url = `${wsBase}/ws/chat/${e.conversationId}?token=`;
      return Promise.all([
        openSocket(url + encodeURIComponent(e.clientToken)),
        openSocket(url + encodeURIComponent(e.agentToken)),
      ]);
    };
    const pairs = await mapLimited(endpoints, 16, openPair);
    // A server may accept the handshake and close right after (e.g. when joining the conversation
    // fails): such pairs are reopened, and the run says so, since a healthy server never does it.
    const issues: string[] = [];
    for (let round = 1; ; round++) {
      await sleep(500);
      const broken = pairs.flatMap((pair, i) =>
        pair.some((socket) => socket.readyState !== WebSocket.OPEN) ? [i] : [],
      );
      if (broken.length === 0) break;
      const codes = broken.flatMap((i) =>
        pairs[i].map((socket) => closeCodes.get(socket) ?? 'open'),
      );
      const issue =
        `${broken.length} of ${pairs.length} conversations had a socket closed by the server ` +
        `right after the handshake (close codes ${countOf(codes)})`;
      if (round > 3) throw new Error(`${issue}, ${round - 1} times: giving up`);
      log(`${issue}; reopening them`);
      issues.push(issue);
      for (const i of broken) {
        for (const socket of pairs[i]) socket.terminate();
        pairs[i] = await openPair(endpoints[i]);
      }
    }
    const peers: Peer[] = [];
    for (const [client, agent] of pairs) {
      const a = { index: peers.length, socket: client } as Peer;
      const b = { index: peers.length + 1, socket: agent, other: a } as Peer;
      a.other = b;
      peers.push(a, b);
    }
    // Consecutive sends go to different conversations: client sides first, then agent sides.
    const senders = [
      ...peers.filter((p) => p.index % 2 === 0),
      ...peers.filter((p) => p.index % 2),
    ];
    const load = new ChatLoad(endpoints, peers, senders, log, issues);
    for (const peer of peers) load.listen(peer);
    return load;
  }

  /** One open-loop step at a fixed rate: warm-up, measured window, then a bounded drain. */
  async runStep(options: StepOptions): Promise<StepResult> {
    const { rate, durationS, warmupS, drainS } = options;
    const interval = 1000 / rate;
    const total = Math.round(rate * (warmupS + durationS));
    const start = performance.now() + 20;
    const windowStart = start + warmupS * 1000;
    const windowEnd = windowStart + durationS * 1000;
    const content = messageContent(options.contentLength ?? 100);
    const stats = new StepStats(windowStart, windowEnd);
    this.inFlight.clear();
    this.stepStats = stats;

    let next = 0;
    let windowOpened = false;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const now = performance.now();
        if (!windowOpened && now >= windowStart) {
          windowOpened = true;
          options.onWindowStart?.();
        }
        while (next < total && start + next * interval <= now) {
          const due = start + next * interval;
          const sender = this.senders[next % this.senders.length];
          this.send(sender, due, due >= windowStart, content, stats);
          next++;
        }
        if (next >= total) return resolve();
        setTimeout(tick, Math.max(0, start + next * interval - performance.now()));
      };
      setTimeout(tick, Math.max(0, start - performance.now()));
    });
    const wait = windowEnd - performance.now();
    if (wait > 0) await sleep(wait);
    options.onWindowEnd?.();

    const drainDeadline = performance.now() + drainS * 1000;
    while (performance.now() < drainDeadline && this.inFlight.size > 0) await sleep(20);

    for (const entry of this.inFlight.values()) {
      if (!entry.measured) continue;
      if (!entry.delivered) stats.lost++;
      if (!entry.acked) stats.unacked++;
    }
    this.inFlight.clear();
    this.stepStats = undefined;
    return stats.result(rate, durationS);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.peers.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.socket.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              p.socket.terminate();
              resolve();
            }, 2000);
            p.socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            p.socket.close(1000);
          }),
      ),
    );
  }

  private send(sender: Peer, due: number, measured: boolean, content: string, stats: StepStats) {
    if (sender.socket.readyState !== WebSocket.OPEN) {
      stats.error('send_on_closed_socket');
      return;
    }
    const clientId = randomUUID();
    this.inFlight.set(clientId, { due, sender, measured, delivered: false, acked: false });
    sender.socket.send(JSON.stringify({ type: 'message.send', content, client_id: clientId }));
    if (measured) stats.sent(performance.now() - due);
  }

  private listen(peer: Peer): void {
    peer.socket.on('message', (data) => {
      const now = performance.now();
      let frame: { type?: string; client_id?: string; code?: string; message?: Message };
      try {
        frame = JSON.parse(data.toString());
      } catch {
        this.stepStats?.error('unparsable_frame');
        return;
      }
      if (frame.type === 'message') {
        const entry = this.inFlight.get(frame.message?.client_id ?? '');
        if (!entry || entry.sender !== peer.other || entry.delivered) return;
        entry.delivered = true;
        this.stepStats?.delivered(now, now - entry.due, entry.measured);
        if (entry.acked) this.inFlight.delete(frame.message!.client_id!);
      } else if (frame.type === 'ack') {
        const entry = this.inFlight.get(frame.client_id ?? '');
        if (!entry || entry.sender !== peer || entry.acked) return;
        entry.acked = true;
        if (entry.measured) this.stepStats?.acked(now - entry.due);
        if (entry.delivered) this.inFlight.delete(frame.client_id!);
      } else if (frame.type === 'error') {
        this.stepStats?.error(`frame:${frame.code ?? 'unknown'}`);
      }
    });
    peer.socket.on('close', (code) => {
      if (this.closing) return;
      this.stepStats?.error(`closed:${code}`);
      this.log(`socket ${peer.index} closed with ${code}`);
    });
    peer.socket.on('error', (err) => this.stepStats?.error(`socket:${err.message}`));
  }
}

interface Message {
  client_id?: string | null;
}

class StepStats {
  readonly latencies: number[] = [];
  readonly ackLatencies: number[] = [];
  readonly sendLags: number[] = [];
  lost = 0;
  unacked = 0;
  deliveredInWindow = 0;
  readonly errors: Record<string, number> = {};

  constructor(
    private readonly windowStart: number,
    private readonly windowEnd: number,
  ) {}

  sent(lag: number): void {
    this.sendLags.push(lag);
  }

  delivered(at: number, latency: number, measured: boolean): void {
    if (at >= this.windowStart && at <= this.windowEnd) this.deliveredInWindow++;
    if (measured) this.latencies.push(latency);
  }

  acked(latency: number): void {
    this.ackLatencies.push(latency);
  }

  error(kind: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  result(rate: number, durationS: number): StepResult {
    const errorCount = Object.values(this.errors).reduce((a, b) => a + b, 0);
    return {
      offered_rate: rate,
      sent_rate: round(this.sendLags.length / durationS),
      achieved_rate: round(this.deliveredInWindow / durationS),
      duration_s: durationS,
      sent: this.sendLags.length,
      delivered: this.latencies.length,
      lost: this.lost,
      unacked: this.unacked,
      errors: this.errors,
      error_count: errorCount,
      latency_ms: summarize(this.latencies),
      ack_latency_ms: summarize(this.ackLatencies),
      send_lag_ms: summarize(this.sendLags),
    };
  }
}

/** Percentiles by nearest rank over every sample (a step holds at most some tens of thousands). */
export function summarize(samples: number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    mean: round(sum / sorted.length),
    p50: round(at(50)),
    p90: round(at(90)),
    p99: round(at(99)),
    max: round(sorted[sorted.length - 1]),
  };
}

/** The step meets the latency target: p99 within the bound, nothing lost, no errors. */
export function meetsTarget(result: StepResult, p99BoundMs = 100): boolean {
  return (
    result.latency_ms.p99 <= p99BoundMs &&
    result.lost === 0 &&
    result.error_count === 0 &&
    result.achieved_rate >= 0.95 * result.offered_rate
  );
}

// ---------------------------------------------------------------------------------------------
// Target set-up

/** The baseline has no auth: it makes conversations on request and reads the sender from `token`. */
async function setUpBaseline(target: TargetOptions, log: (l: string) => void) {
  log(`creating ${target.conversations} conversations on the baseline`);
  return mapLimited(range(target.conversations), 16, async (): Promise<ChatEndpoint> => {
    const res = await http('POST', `${target.httpBase}/conversations`, {});
    return {
      conversationId: (res as { id: string }).id,
      clientToken: `user:${randomUUID()}`,
      agentToken: `admin:${randomUUID()}`,
    };
  });
}

/**
 * Through the gateway only, as a client would: the bootstrap admin creates an agent; a few
 * clients register; each submits requests (one per conversation) and gets its conversation id.
 */
async function setUpPlatform(target: TargetOptions, log: (l: string) => void) {
  const base = `${target.httpBase}/api/v1`;
  if (!target.admin) throw new Error('platform mode needs the admin (ADMIN_EMAIL/ADMIN_PASSWORD)');
  const run = randomUUID().slice(0, 8);
  const password = `bench-${run}-password`;
  const login = async (email: string, pw: string) =>
    (
      (await http('POST', `${base}/auth/login`, { email, password: pw })) as {
        access_token: string;
      }
    ).access_token;

  log('logging in as the bootstrap admin and creating an agent');
  const adminToken = await login(target.admin.email, target.admin.password);
  const agentEmail = `bench.agent.${run}@ajla.test`;
  await http(
    'POST',
    `${base}/admin/users`,
    { email: agentEmail, password, full_name: 'Bench Agent', role: 'agent' },
    adminToken,
  );
  const agentToken = await login(agentEmail, password);

  const clientCount = Math.max(1, Math.min(target.clients ?? 10, target.conversations));
  log(`registering ${clientCount} clients`);
  const clientTokens = await mapLimited(range(clientCount), 4, async (i) => {
    const email = `bench.client.${run}.${i}@ajla.test`;
    await http('POST', `${base}/auth/register`, { email, password, full_name: `Client ${i}` });
    return login(email, password);
  });

  log(`submitting ${target.conversations} requests`);
  return mapLimited(range(target.conversations), 8, async (i): Promise<ChatEndpoint> => {
    const clientToken = clientTokens[i % clientCount];
    const request = (await http(
      'POST',
      `${base}/requests`,
      { type: 'dining', description: `Bench conversation ${i}: a table for two, please.` },
      clientToken,
    )) as { conversation_id?: string };
    if (!request.conversation_id) throw new Error('POST /requests answered no conversation_id');
    return { conversationId: request.conversation_id, clientToken, agentToken };
  });
}

async function http(method: string, url: string, body: unknown, token?: string): Promise<unknown> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method, headers, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${new URL(url).pathname}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

const closeCodes = new WeakMap<WebSocket, number>();

/** Opens a socket; a 404 may mean the conversation is not there yet, so it is retried briefly. */
async function openSocket(url: string): Promise<WebSocket> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000 });
        socket.once('open', () => resolve(socket));
        socket.once('close', (code) => closeCodes.set(socket, code));
        socket.once('unexpected-response', (_req, res) => {
          socket.terminate();
          reject(new HandshakeRefused(res.statusCode ?? 0));
        });
        socket.once('error', reject);
      });
    } catch (err) {
      if (!(err instanceof HandshakeRefused && err.status === 404) || Date.now() > deadline) {
        throw new Error(`cannot open ${url.replace(/token=.*/, 'token=…')}: ${String(err)}`, {
          cause: err,
        });
      }
      await sleep(200);
    }
  }
}

class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with ${status}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function messageContent(length: number): string {
  const text = 'Could you book a table for two at eight, by the window if possible? Thank you! ';
  return text
    .repeat(Math.ceil(length / text.length))
    .slice(0, length)
    .trim();
}

async function mapLimited<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** "1011 x3, 1006 x1" */
function countOf(values: unknown[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return [...counts].map(([v, n]) => `${v} x${n}`).join(', ');
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

export function formatStep(r: StepResult): string {
  const l = r.latency_ms;
  const errors = r.error_count ? ` errors ${JSON.stringify(r.errors)}` : '';
  return (
    `${r.offered_rate} msg/s offered, ${r.achieved_rate} achieved: ` +
    `p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} max ${l.max} ms, ack p99 ${r.ack_latency_ms.p99} ms, ` +
    `send lag p99 ${r.send_lag_ms.p99} ms, lost ${r.lost}/${r.sent}${errors}`
  );
}

// ---------------------------------------------------------------------------------------------
// Command line

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: process.env.BENCH_MODE ?? 'platform' },
      http: { type: 'string', default: process.env.BENCH_HTTP ?? 'http://127.0.0.1:8000' },
      ws: { type: 'string', default: process.env.BENCH_WS },
      conversations: { type: 'string', default: process.env.BENCH_CONVERSATIONS ?? '100' },
      clients: { type: 'string', default: process.env.BENCH_CLIENTS ?? '10' },
      rates: { type: 'string', default: process.env.BENCH_RATES ?? '500' },
      duration: { type: 'string', default: process.env.BENCH_DURATION_S ?? '15' },
      warmup: { type: 'string', default: process.env.BENCH_WARMUP_S ?? '3' },
      drain: { type: 'string', default: process.env.BENCH_DRAIN_S ?? '5' },
    },
  });
  const mode = values.mode as TargetMode;
  if (mode !== 'baseline' && mode !== 'platform') throw new Error('--mode baseline|platform');
  const admin =
    process.env.ADMIN_EMAIL && process.env.ADMIN_PASSWORD
      ? { email: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD }
      : undefined;
  const load = await ChatLoad.connect(
    {
      mode,
      httpBase: values.http,
      wsBase: values.ws,
      conversations: Number(values.conversations),
      clients: Number(values.clients),
      admin,
    },
    { log: (line) => console.error(`chat-load: ${line}`) },
  );
  const results: StepResult[] = [];
  try {
    for (const rate of values.rates.split(',').map(Number)) {
      const result = await load.runStep({
        rate,
        durationS: Number(values.duration),
        warmupS: Number(values.warmup),
        drainS: Number(values.drain),
      });
      console.error(`chat-load: ${formatStep(result)}`);
      results.push(result);
      await sleep(1000);
    }
  } finally {
    await load.close();
  }
  console.log(JSON.stringify(results, null, 2));
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`chat-load: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
