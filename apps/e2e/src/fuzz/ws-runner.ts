import WebSocket from 'ws';
import { truncate, type Findings } from './findings';
import { ANSWER_TIMEOUT_MS, answerSignature, errorBodyProblem } from './http-runner';
import type { Markers } from './markers';
import type { CaseContext } from './values';
import { NEVER_OVERSIZED_BYTES, type FrameCase, type HandshakeCase } from './ws-cases';
import { BAD_CALLERS, type CallerKind, type SessionCaller, type World } from './world';

/** Frame types the chat and notifications sockets send (API.md). */
const SERVER_FRAME_TYPES = new Set([
  'message',
  'ack',
  'typing',
  'read',
  'notification',
  'pong',
  'error',
]);
/** The client keeps under the server's limits (burst 200, 50/s), so only a flood case may be cut off. */
const CLIENT_BURST = 150;
const CLIENT_PER_SECOND = 40;

/** A fuzzing client's socket: what it received, its pongs, its close. */
class FuzzSocket {
  readonly received: string[] = [];
  pongs = 0;
  pings = 0;
  closeCode: number | undefined;
  private tokens = CLIENT_BURST;
  private refilled = Date.now();
  private waiters: (() => void)[] = [];

  constructor(
    readonly ws: WebSocket,
    /** `app`: `{"type":"ping"}` answered in order with `{"type":"pong"}`; `protocol`: ws pings. */
    private readonly barrier: 'app' | 'protocol',
  ) {
    ws.on('message', (data: Buffer, isBinary) => {
      const text = isBinary ? `<binary ${data.length} bytes>` : data.toString('utf8');
      if (barrier === 'app' && text === '{"type":"pong"}') this.pongs++;
      else this.received.push(text);
      this.notify();
    });
    ws.on('pong', () => {
      if (barrier === 'protocol') this.pongs++;
      this.notify();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
    ws.on('error', () => undefined);
  }

  static open(
    url: string,
    options: { protocols?: string[]; headers?: Record<string, string> } = {},
    barrier: 'app' | 'protocol' = 'app',
  ) {
    const ws = new WebSocket(url, options.protocols, {
      headers: options.headers,
      handshakeTimeout: ANSWER_TIMEOUT_MS,
      maxPayload: 64 * 1024 * 1024,
    });
    const socket = new FuzzSocket(ws, barrier);
    return new Promise<{
      socket?: FuzzSocket;
      status?: number;
      contentType?: string;
      body?: string;
      error?: string;
    }>((resolve) => {
      ws.once('open', () => resolve({ socket }));
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            contentType: String(res.headers['content-type'] ?? ''),
            body,
          }),
        );
        res.on('error', () => resolve({ status: res.statusCode, body }));
      });
      ws.once('error', (error) => resolve({ error: error.message }));
    });
  }

  get open(): boolean {
    return this.closeCode === undefined && this.ws.readyState === WebSocket.OPEN;
  }

  /** Waits until `n` frames may be sent without passing the server's rate. */
  async pace(n: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(
        CLIENT_BURST,
        this.tokens + ((now - this.refilled) / 1000) * CLIENT_PER_SECOND,
      );
      this.refilled = now;
      if (this.tokens >= n) {
        this.tokens -= n;
        return;
      }
      await new Promise((r) => setTimeout(r, ((n - this.tokens) / CLIENT_PER_SECOND) * 1000));
    }
  }

  /** Sends a barrier and waits for its answer (everything before it is then answered) or a close. */
  async sync(timeoutMs = ANSWER_TIMEOUT_MS): Promise<'answered' | 'closed' | 'timeout'> {
    if (!this.open) {
      // Closing: wait for the close frame, so its code is known.
      await this.closedWithin(timeoutMs);
      return 'closed';
    }
    this.pings++;
    if (this.barrier === 'app') this.ws.send('{"type":"ping"}');
    else this.ws.ping();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.closeCode !== undefined) return 'closed';
      if (this.pongs >= this.pings) return 'answered';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits up to `ms` for the socket to close; true if it did. */
  async closedWithin(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.closeCode === undefined && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closeCode !== undefined;
  }

  forgetPings(): void {
    this.pongs = this.pings = 0;
    this.tokens = 0;
  }

  close(): void {
    this.ws.close(1000);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export interface WsRunOptions {
  wsBaseUrl: string;
  world: World;
  findings: Findings;
  markers: Markers;
  /**
   * Case n is `<prefix>n` (its replay id and marker): one prefix per socket and kind, since the
   * chat and notifications runs number their cases from 0 alike.
   */
  prefix: string;
}

/** A socket slot: one caller on one conversation, reopened after each close. */
interface Slot {
  caller: SessionCaller;
  path: string;
  barrier: 'app' | 'protocol';
  socket?: FuzzSocket;
  /** The last case sent on the socket: a close that comes after its barrier's answer is its doing. */
  last?: {
    allowed: Set<number>;
    report: (problem: string, status: number | undefined, answer: string) => void;
  };
}

/**
 * Sends each frame case on its slot (case n on slot n mod slots, each slot one frame at a time,
 * the slots in parallel), then a barrier; checks what came back before the barrier's answer.
 */
export async function runFrameCases(
  cases: { id: number; case: FrameCase }[],
  slots: Slot[],
  where: string,
  options: WsRunOptions,
): Promise<void> {
  const bySlot = slots.map((_, i) => cases.filter((c) => c.id % slots.length === i));
  await Promise.all(
    slots.map(async (slot, i) => {
      for (const item of bySlot[i]!) await runFrame(item.id, item.case, slot, where, options);
      slot.socket?.close();
    }),
  );
}

export function chatSlots(world: World): Slot[] {
  const slots: Slot[] = [];
  for (const caller of ['client', 'other_client', 'agent', 'admin'] as const) {
    const { allowed } = world.conversationsFor(caller);
    for (let i = 0; i < 2; i++) {
      slots.push({ caller, path: `/ws/chat/${allowed[i % allowed.length]}`, barrier: 'app' });
    }
  }
  return slots;
}

export function notificationSlots(): Slot[] {
  return (['client', 'agent', 'admin', 'other_client'] as const).map((caller) => ({
    caller,
    path: '/ws/notifications',
    barrier: 'protocol' as const,
  }));
}

async function runFrame(
  id: number,
  c: FrameCase,
  slot: Slot,
  where: string,
  { wsBaseUrl, world, findings, markers, prefix }: WsRunOptions,
) {
  const caseId = `${prefix}${id}`;
  const marker = markers.ws(caseId);
  const ctx: CaseContext = { marker, world, caller: slot.caller };
  const payload = c.make(ctx);
  const size = Buffer.byteLength(payload);
  const allowed = new Set([...c.mayClose, ...(size > NEVER_OVERSIZED_BYTES ? [1009] : [])]);
  findings.seen(where, c.tags);
  const report = (problem: string, status: number | string | undefined, answer: string) =>
    findings.add({
      problem,
      where,
      status,
      caseId,
      tags: c.tags,
      request: `${c.binary ? 'binary' : 'text'} frame${c.repeat > 1 ? ` x${c.repeat}` : ''} (${size} bytes) as ${slot.caller} on ${slot.path}: ${truncate(payload.toString(), 240)}`,
      answer,
    });

  if (slot.socket && !slot.socket.open) {
    const code = slot.socket.closeCode;
    if (code !== undefined && slot.last && !slot.last.allowed.has(code)) {
      slot.last.report('closed', code, `closed after the barrier's answer (close ${code})`);
    }
    slot.socket = undefined;
  }
  if (!slot.socket) {
    const sep = slot.path.includes('?') ? '&' : '?';
    const opened = await FuzzSocket.open(
      `${wsBaseUrl}${slot.path}${sep}token=${encodeURIComponent(world.token(slot.caller)!)}`,
      {},
      slot.barrier,
    );
    if (!opened.socket) {
      markers.refuse(marker, caseId, 'could not connect');
      report('could not connect', opened.status ?? opened.error, truncate(opened.body ?? '', 200));
      return;
    }
    slot.socket = opened.socket;
  }
  const socket = slot.socket;
  slot.last = { allowed, report };
  const before = socket.received.length;
  // A flood outruns the pacing on purpose; every other case keeps within the server's rate.
  if (c.repeat === 1) await socket.pace(2);
  for (let i = 0; i < c.repeat; i++) socket.ws.send(payload, { binary: c.binary });
  // A frame that is itself a ping is answered with a pong too: counted, so the barrier stays ours.
  if (slot.barrier === 'app' && !c.binary && isPing(payload.toString())) socket.pings += c.repeat;
  let outcome = await socket.sync();
  // A close the frame may cause can overtake the barrier's answer.
  if (outcome === 'answered' && allowed.size > 0 && (await socket.closedWithin(300)))
    outcome = 'closed';
  const answers = socket.received.slice(before);
  const shown = `${outcome}${socket.closeCode !== undefined ? ` (close ${socket.closeCode})` : ''}; frames: ${truncate(answers.join(' '), 300)}`;

  let refused = outcome !== 'answered';
  // An error frame answering a frame with a client_id names it (API.md), so a client knows which
  // message was refused and stops sending it.
  const sentClientId = c.binary ? undefined : clientIdOf(payload.toString());
  for (const text of answers) {
    let parsed: { type?: unknown; code?: unknown; detail?: unknown };
    try {
      parsed = JSON.parse(text);
    } catch {
      report('server frame not JSON', undefined, shown);
      continue;
    }
    if (typeof parsed.type !== 'string' || !SERVER_FRAME_TYPES.has(parsed.type)) {
      report('unknown server frame', String(parsed.type), shown);
    } else if (parsed.type === 'error') {
      refused = true;
      if (
        typeof parsed.code !== 'string' ||
        typeof parsed.detail !== 'string' ||
        parsed.detail.trim() === ''
      ) {
        report('error frame without code and detail', undefined, shown);
      } else if (parsed.code === 'internal') {
        report('internal error frame', parsed.code, shown);
      }
      if (
        sentClientId !== undefined &&
        (parsed as { client_id?: unknown }).client_id !== sentClientId
      ) {
        report("error frame without the refused frame's client_id", parsed.code as string, shown);
      }
    }
  }
  if (refused) markers.refuse(marker, caseId, shown);
  // A message is acknowledged to its sender once persisted (API.md), or refused: never ignored.
  if (outcome === 'answered' && c.tags.some((t) => t.startsWith('valid:message.send'))) {
    if (!refused && !answers.some((text) => text.startsWith('{"type":"ack"'))) {
      report('message neither acknowledged nor refused', undefined, shown);
    }
  }
  if (outcome === 'timeout') {
    report('hang', undefined, `no answer to the barrier within ${ANSWER_TIMEOUT_MS} ms; ${shown}`);
    socket.ws.terminate();
    slot.socket = undefined;
  } else if (outcome === 'closed') {
    if (!allowed.has(socket.closeCode ?? 0)) report(`closed`, socket.closeCode, shown);
    slot.socket = undefined;
  }
  if (c.repeat > 1 && slot.socket) slot.socket.forgetPings();
}

function isPing(text: string): boolean {
  try {
    const frame = JSON.parse(text) as unknown;
    return (
      typeof frame === 'object' &&
      frame !== null &&
      !Array.isArray(frame) &&
      Object.keys(frame).length === 1 &&
      (frame as { type?: unknown }).type === 'ping'
    );
  } catch {
    return false;
  }
}

/** Runs handshake cases a few at a time; each opened socket must then answer a barrier and stay. */
export async function runHandshakeCases(
  cases: { id: number; case: HandshakeCase }[],
  where: string,
  barrier: 'app' | 'protocol',
  options: WsRunOptions,
  concurrency = 6,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const item = cases[next++]!;
      await runHandshake(item.id, item.case, where, barrier, options);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function runHandshake(
  id: number,
  c: HandshakeCase,
  where: string,
  barrier: 'app' | 'protocol',
  { wsBaseUrl, world, findings, markers, prefix }: WsRunOptions,
) {
  const caseId = `${prefix}${id}`;
  const marker = markers.ws(caseId);
  const ctx: CaseContext = { marker, world, caller: c.caller };
  const built = c.make(ctx);
  findings.seen(where, c.tags);
  const report = (
    problem: string,
    status: number | string | undefined,
    answer: string,
    signature?: string,
  ) =>
    findings.add({
      problem,
      where,
      status,
      signature,
      caseId,
      tags: c.tags,
      request: `GET ${truncate(redactToken(built.path, world, c.caller), 240)} as ${c.caller}${built.protocols ? ' (token as subprotocol)' : ''}${built.headers ? ' (token in Authorization)' : ''}`,
      answer,
    });
  const opened = await FuzzSocket.open(`${wsBaseUrl}${built.path}`, built, barrier);
  if (!opened.socket) {
    const answer = `${opened.status ?? ''} ${opened.contentType ?? ''} ${truncate(opened.body ?? opened.error ?? '', 300)}`;
    markers.refuse(marker, caseId, answer);
    if (opened.status === undefined) report('no answer', opened.error, answer);
    else if (opened.status >= 500)
      report('5xx', opened.status, answer, answerSignature(opened.body ?? ''));
    else if (opened.status >= 400) {
      const problem = errorBodyProblem(opened.contentType ?? '', opened.body ?? '');
      if (problem)
        report(`error body: ${problem}`, opened.status, answer, answerSignature(opened.body ?? ''));
    } else report('neither upgraded nor refused', opened.status, answer);
    return;
  }
  const socket = opened.socket;
  const mustRefuse =
    (BAD_CALLERS as readonly CallerKind[]).includes(c.caller) || c.place === 'none';
  if (mustRefuse) report('accepted without a valid token', 101, 'upgraded');
  if (c.forbidden(ctx)) report("joined another client's conversation", 101, 'upgraded');
  const outcome = await socket.sync();
  if (outcome === 'closed') {
    markers.refuse(marker, caseId, `closed ${socket.closeCode}`);
    report(
      'closed after the handshake',
      socket.closeCode,
      `upgraded (101), then closed with ${socket.closeCode}; frames: ${truncate(socket.received.join(' '), 300)}`,
    );
  } else if (outcome === 'timeout') {
    report('hang', undefined, `no answer to the barrier within ${ANSWER_TIMEOUT_MS} ms`);
  }
  socket.ws.terminate();
}

/** The report never shows a real token. */
function redactToken(path: string, world: World, caller: CallerKind): string {
  const token = world.token(caller);
  return token ? path.split(encodeURIComponent(token)).join('<token>') : path;
}

/** The `client_id` of a frame the server can read it from: a JSON object's short string. */
function clientIdOf(text: string): string | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return undefined;
  const clientId = (frame as { client_id?: unknown }).client_id;
  return typeof clientId === 'string' && clientId.length > 0 && clientId.length <= 100
    ? clientId
    : undefined;
}
