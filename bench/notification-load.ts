// Notification load generator: staff sockets open on `/ws/notifications`, requests submitted
// (`POST .../requests`) open-loop at a fixed rate, and for each submission the time from its 201
// to the arrival of its notification (matched by `data.request_id`) on EVERY staff socket.
//
// Used by bench/run-notifications.ts, which sets up the baseline or the platform and passes the
// sockets' and the submitter's addresses here.
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { sleep, summarize, type LatencySummary } from './chat-load';

export interface NotificationTarget {
  /** Full URL submissions are POSTed to (the gateway's /api/v1/requests, or the baseline's). */
  submitUrl: string;
  /** Bearer tokens of the clients that submit, used round-robin (empty: no header). */
  clientTokens: string[];
  /** One WebSocket URL per staff member, token included. */
  staffSocketUrls: string[];
}

export interface NotificationStepOptions {
  /** Offered rate, submissions per second. */
  rate: number;
  durationS: number;
  warmupS: number;
  /** How long after the last submission a notification may still arrive before it is lost. */
  drainS: number;
  onWindowStart?: () => void;
  onWindowEnd?: () => void;
}

export interface NotificationStepResult {
  offered_rate: number;
  /** Submissions put on the wire per second in the window. */
  sent_rate: number;
  /** 201s received per second in the window. */
  answered_rate: number;
  /** Notifications that arrived in the window, per second, divided by the staff count. */
  achieved_rate: number;
  duration_s: number;
  staff: number;
  /** Submissions due in the window. */
  sent: number;
  /** Of those, answered 201. */
  answered: number;
  /** (submission, staff socket) pairs: expected = answered x staff. */
  deliveries_expected: number;
  deliveries: number;
  /** Expected deliveries not there drain_s after the last submission. */
  lost: number;
  /** Notifications of one submission on one socket beyond the first. */
  duplicates: number;
  /** Notifications that arrived before their submission's 201 (counted as 0 ms). */
  before_201: number;
  errors: Record<string, number>;
  error_count: number;
  /** 201 -> arrival on a staff socket, every (submission, socket) pair. */
  latency_ms: LatencySummary;
  /** 201 -> arrival on the LAST of the staff sockets, per submission. */
  last_socket_latency_ms: LatencySummary;
  /** Due time -> 201 (the submission's own HTTP round trip, queueing included). */
  http_latency_ms: LatencySummary;
  /** Due time -> arrival on a staff socket: the whole path, HTTP included. */
  end_to_end_ms: LatencySummary;
  /** Due time -> the actual send: the generator's own lateness. */
  send_lag_ms: LatencySummary;
}

/** One submission of the current step. */
interface Submission {
  due: number;
  measured: boolean;
  answeredAt?: number;
  /** Arrival time per staff socket (undefined: not yet). */
  arrivals: (number | undefined)[];
  arrived: number;
}

const REQUEST_BODY = JSON.stringify({
  type: 'dining',
  description: 'Bench request: a table for two at eight tonight, by the window if possible.',
});
const REQUEST_ID_KEY = '"request_id":"';

/** The staff sockets of a target and a way to submit to it. */
export class NotificationLoad {
  /** By request id, once its 201 came. */
  private bySubmission = new Map<string, Submission>();
  /** Arrivals of request ids whose 201 has not come yet: socket index and time. */
  private early = new Map<string, [number, number][]>();
  private stats: NotificationStats | undefined;
  private closing = false;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly submitUrl: URL;

  private constructor(
    private readonly target: NotificationTarget,
    private readonly sockets: WebSocket[],
    private readonly log: (line: string) => void,
  ) {
    this.submitUrl = new URL(target.submitUrl);
  }

  static async open(
    target: NotificationTarget,
    log: (line: string) => void,
  ): Promise<NotificationLoad> {
    log(`opening ${target.staffSocketUrls.length} staff sockets`);
    const sockets = await Promise.all(target.staffSocketUrls.map((url) => openSocket(url)));
    const load = new NotificationLoad(target, sockets, log);
    sockets.forEach((socket, index) => load.listen(socket, index));
    return load;
  }

  get staff(): number {
    return this.sockets.length;
  }

  /**
   * Submits one request at a time until one reaches every staff socket (a staff account made just
   * before is known to the target a little later), at most `timeoutMs`.
   */
  async untilEveryStaffHears(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const stats = new NotificationStats(0, Infinity, this.staff);
      this.stats = stats;
      const submission: Submission = {
        due: performance.now(),
        measured: true,
        arrivals: new Array(this.staff).fill(undefined),
        arrived: 0,
      };
      const id = await this.submit(0);
      if (id) this.answered(id, submission, performance.now());
      const until = Math.min(deadline, performance.now() + 2000);
      while (performance.now() < until && submission.arrived < this.staff) await sleep(20);
      this.reset();
      if (submission.arrived === this.staff) return attempt;
      if (performance.now() > deadline) {
        throw new Error(
          `after ${attempt} submissions, one reached only ${submission.arrived} of ${this.staff} staff sockets`,
        );
      }
    }
  }

  /** One open-loop step at a fixed rate: warm-up, measured window, then a bounded drain. */
  async runStep(options: NotificationStepOptions): Promise<NotificationStepResult> {
    const { rate, durationS, warmupS, drainS } = options;
    const interval = 1000 / rate;
    const total = Math.round(rate * (warmupS + durationS));
    const start = performance.now() + 20;
    const windowStart = start + warmupS * 1000;
    const windowEnd = windowStart + durationS * 1000;
    const stats = new NotificationStats(windowStart, windowEnd, this.staff);
    this.reset();
    this.stats = stats;
    const submissions: Submission[] = [];

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
          const submission: Submission = {
            due,
            measured: due >= windowStart,
            arrivals: new Array(this.staff).fill(undefined),
            arrived: 0,
          };
          submissions.push(submission);
          if (submission.measured) stats.sendLags.push(performance.now() - due);
          this.submit(next).then((id) => {
            // A 201 that comes after its step ended belongs to no step.
            if (id && this.stats === stats) this.answered(id, submission, performance.now());
          });
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

    const measured = submissions.filter((s) => s.measured);
    const complete = (s: Submission) => s.answeredAt !== undefined && s.arrived === this.staff;
    const drainDeadline = performance.now() + drainS * 1000;
    while (performance.now() < drainDeadline && !measured.every(complete)) await sleep(20);

    const result = stats.result(rate, durationS, measured);
    this.reset();
    return result;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.agent.destroy();
    await Promise.all(
      this.sockets.map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              socket.terminate();
              resolve();
            }, 2000);
            socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            socket.close(1000);
          }),
      ),
    );
  }

  private reset(): void {
    this.bySubmission.clear();
    this.early.clear();
    this.stats = undefined;
  }

  /** POSTs one request; resolves with its id on 201, undefined otherwise (counted as an error). */
  private submit(n: number): Promise<string | undefined> {
    const tokens = this.target.clientTokens;
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(REQUEST_BODY),
    };
    if (tokens.length) headers.authorization = `Bearer ${tokens[n % tokens.length]}`;
    const stats = this.stats;
    return new Promise((resolve) => {
      const req = httpRequest(
        this.submitUrl,
        { method: 'POST', agent: this.agent, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            if (res.statusCode !== 201) {
              stats?.error(`http_${res.statusCode}`);
              return resolve(undefined);
            }
            try {
              const id = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown })
                .id;
              if (typeof id === 'string') return resolve(id);
            } catch {
              // counted below
            }
            stats?.error('http_201_without_id');
            resolve(undefined);
          });
          res.on('error', () => {
            stats?.error('http_response_error');
            resolve(undefined);
          });
        },
      );
      req.on('error', (err) => {
        stats?.error(`http:${(err as NodeJS.ErrnoException).code ?? err.message}`);
        resolve(undefined);
      });
      req.end(REQUEST_BODY);
    });
  }

  private answered(id: string, submission: Submission, at: number): void {
    const stats = this.stats;
    if (!stats) return;
    submission.answeredAt = at;
    stats.answered(submission, at);
    this.bySubmission.set(id, submission);
    const early = this.early.get(id);
    if (early) {
      this.early.delete(id);
      for (const [index, arrivedAt] of early) this.arrive(submission, index, arrivedAt, stats);
    }
  }

  private listen(socket: WebSocket, index: number): void {
    socket.on('message', (data) => {
      const at = performance.now();
      const stats = this.stats;
      if (!stats) return;
      const text = data.toString();
      // Only the request id is needed: found without parsing the whole frame, which at high
      // rates costs the generator more than the target (frames that lack it are parsed).
      const key = text.indexOf(REQUEST_ID_KEY);
      if (key < 0 || !text.startsWith('{"type":"notification"')) {
        let frame: { type?: string; code?: string };
        try {
          frame = JSON.parse(text);
        } catch {
          return stats.error('unparsable_frame');
        }
        if (frame.type === 'error') stats.error(`frame:${frame.code ?? 'unknown'}`);
        else if (frame.type !== 'pong') stats.error(`unexpected_frame:${frame.type}`);
        return;
      }
      const id = text.slice(key + REQUEST_ID_KEY.length, key + REQUEST_ID_KEY.length + 36);
      const submission = this.bySubmission.get(id);
      if (submission) return this.arrive(submission, index, at, stats);
      const early = this.early.get(id);
      if (early) early.push([index, at]);
      else this.early.set(id, [[index, at]]);
    });
    socket.on('close', (code) => {
      if (this.closing) return;
      this.stats?.error(`closed:${code}`);
      this.log(`staff socket ${index} closed with ${code}`);
    });
    socket.on('error', (err) => this.stats?.error(`socket:${err.message}`));
  }

  private arrive(submission: Submission, index: number, at: number, stats: NotificationStats) {
    if (submission.arrivals[index] !== undefined) {
      stats.duplicates++;
      return;
    }
    submission.arrivals[index] = at;
    submission.arrived++;
    stats.arrived(submission, at);
  }
}

class NotificationStats {
  readonly sendLags: number[] = [];
  readonly errors: Record<string, number> = {};
  duplicates = 0;
  private answeredInWindow = 0;
  private deliveredInWindow = 0;

  constructor(
    private readonly windowStart: number,
    private readonly windowEnd: number,
    private readonly staff: number,
  ) {}

  answered(_submission: Submission, at: number): void {
    if (at >= this.windowStart && at <= this.windowEnd) this.answeredInWindow++;
  }

  arrived(_submission: Submission, at: number): void {
    if (at >= this.windowStart && at <= this.windowEnd) this.deliveredInWindow++;
  }

  error(kind: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  result(rate: number, durationS: number, measured: Submission[]): NotificationStepResult {
    const latencies: number[] = [];
    const last: number[] = [];
    const http: number[] = [];
    const endToEnd: number[] = [];
    let answered = 0;
    let deliveries = 0;
    let lost = 0;
    let before201 = 0;
    for (const s of measured) {
      if (s.answeredAt === undefined) continue;
      answered++;
      http.push(s.answeredAt - s.due);
      let latest = -Infinity;
      for (const at of s.arrivals) {
        if (at === undefined) {
          lost++;
          continue;
        }
        deliveries++;
        if (at < s.answeredAt) before201++;
        latencies.push(Math.max(0, at - s.answeredAt));
        endToEnd.push(at - s.due);
        latest = Math.max(latest, at);
      }
      if (s.arrived === this.staff) last.push(Math.max(0, latest - s.answeredAt));
    }
    const errorCount = Object.values(this.errors).reduce((a, b) => a + b, 0);
    const perSecond = (n: number) => Math.round((n / durationS) * 10) / 10;
    return {
      offered_rate: rate,
      sent_rate: perSecond(this.sendLags.length),
      answered_rate: perSecond(this.answeredInWindow),
      achieved_rate: perSecond(this.deliveredInWindow / this.staff),
      duration_s: durationS,
      staff: this.staff,
      sent: measured.length,
      answered,
      deliveries_expected: answered * this.staff,
      deliveries,
      lost,
      duplicates: this.duplicates,
      before_201: before201,
      errors: this.errors,
      error_count: errorCount,
      latency_ms: summarize(latencies),
      last_socket_latency_ms: summarize(last),
      http_latency_ms: summarize(http),
      end_to_end_ms: summarize(endToEnd),
      send_lag_ms: summarize(this.sendLags),
    };
  }
}

/**
 * A step the target keeps up with: nearly every submission delivered within the window (achieved
 * >= 95 % of offered), p99 under a second, nothing lost, no duplicate, no error.
 */
export function sustained(r: NotificationStepResult): boolean {
  return (
    r.achieved_rate >= 0.95 * r.offered_rate &&
    r.latency_ms.p99 < 1000 &&
    r.lost === 0 &&
    r.duplicates === 0 &&
    r.error_count === 0 &&
    r.answered === r.sent
  );
}

export function formatNotificationStep(r: NotificationStepResult): string {
  const l = r.latency_ms;
  const errors = r.error_count ? ` errors ${JSON.stringify(r.errors)}` : '';
  const latency = l.count
    ? `201->socket p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} max ${l.max} ms`
    : '201->socket: none delivered in time';
  return (
    `${r.offered_rate}/s offered, ${r.achieved_rate} achieved (${r.answered_rate} answered): ` +
    `${latency}, last socket p99 ` +
    `${r.last_socket_latency_ms.p99} ms, HTTP p99 ${r.http_latency_ms.p99} ms, send lag p99 ` +
    `${r.send_lag_ms.p99} ms, lost ${r.lost}/${r.deliveries_expected}` +
    `${r.duplicates ? `, ${r.duplicates} duplicates` : ''}${errors}`
  );
}

async function openSocket(url: string): Promise<WebSocket> {
  return new Promise<WebSocket>((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: 10_000 });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_req, res) => {
      socket.terminate();
      reject(
        new Error(`${url.replace(/token=.*/, 'token=…')}: handshake refused (${res.statusCode})`),
      );
    });
    socket.once('error', reject);
  });
}
