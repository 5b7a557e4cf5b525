import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { e2eState } from './state';

export interface ChatFrame {
  type: string;
  [key: string]: any;
}

/** A chat WebSocket as a client app holds it: every frame it received, and ways to wait for them. */
export class ChatSocket {
  readonly frames: ChatFrame[] = [];
  closeCode: number | undefined;
  closeReason: string | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString('utf8')));
      this.notify();
    });
    ws.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString('utf8');
      this.notify();
    });
  }

  /** Opens `/ws/chat/{id}` (through the gateway unless `baseUrl` says otherwise). */
  static open(
    conversationId: string,
    token: string,
    options: { afterSeq?: number; baseUrl?: string; subprotocol?: boolean } = {},
  ): Promise<ChatSocket> {
    const base = (options.baseUrl ?? e2eState().gatewayUrl).replace(/^http/, 'ws');
    const query = new URLSearchParams();
    if (!options.subprotocol) query.set('token', token);
    if (options.afterSeq !== undefined) query.set('after_seq', String(options.afterSeq));
    const ws = new WebSocket(
      `${base}/ws/chat/${conversationId}?${query}`,
      options.subprotocol ? ['bearer', token] : undefined,
      { maxPayload: 8 * 1024 * 1024 },
    );
    const socket = new ChatSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) =>
        reject(new HandshakeRefused(res.statusCode ?? 0)),
      );
      ws.once('error', reject);
    });
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a message and returns its client_id. */
  say(content: string, clientId: string = randomUUID()): string {
    this.send({ type: 'message.send', content, client_id: clientId });
    return clientId;
  }

  messages(): any[] {
    return this.frames.filter((f) => f.type === 'message').map((f) => f.message);
  }

  seqs(): number[] {
    return this.messages().map((m) => m.seq);
  }

  async waitFor<T>(
    find: () => T | undefined | false,
    timeoutMs = 10_000,
    what = 'a frame',
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined && found !== false) return found;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitForFrame(type: string, match: (f: ChatFrame) => boolean = () => true, timeoutMs?: number) {
    return this.waitFor(
      () => this.frames.find((f) => f.type === type && match(f)),
      timeoutMs,
      `a ${type} frame`,
    );
  }

  waitForSeq(seq: number, timeoutMs?: number) {
    return this.waitFor(
      () => this.messages().find((m) => m.seq === seq),
      timeoutMs,
      `message seq ${seq}`,
    );
  }

  waitForClose(timeoutMs?: number): Promise<number> {
    return this.waitFor(() => this.closeCode, timeoutMs, 'the close');
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

export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with HTTP ${status}`);
  }
}

export async function refusalStatus(promise: Promise<{ close(): void }>): Promise<number> {
  try {
    const socket = await promise;
    socket.close();
    return 101;
  } catch (error) {
    if (error instanceof HandshakeRefused) return error.status;
    throw error;
  }
}
