/* eslint-disable @typescript-eslint/no-explicit-any -- like the specs: untyped JSON frames */
import { WebSocket } from 'ws';
import type { Account } from './harness';

/** A `/ws/notifications` client that keeps every frame it got and waits for what a test expects. */
export class NotificationSocket {
  readonly frames: any[] = [];
  closeCode: number | undefined;
  closeReason: string | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)));
      this.notify();
    });
    ws.once('close', (code, reason) => {
      this.closeReason = String(reason);
      this.closeCode = code;
      this.notify();
    });
  }

  /** Opens the socket; rejects with the HTTP status of a refused handshake (a number). */
  static open(
    wsUrl: string,
    account: Account | undefined,
    options: { after?: string; subprotocol?: boolean; token?: string } = {},
  ): Promise<NotificationSocket> {
    const query = new URLSearchParams();
    const token = options.token ?? account?.token;
    if (token !== undefined && !options.subprotocol) query.set('token', token);
    if (options.after !== undefined) query.set('after', options.after);
    const ws = new WebSocket(
      `${wsUrl}/ws/notifications?${query}`,
      token !== undefined && options.subprotocol ? ['bearer', token] : undefined,
    );
    const socket = new NotificationSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_request, response) => {
        reject(response.statusCode);
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /** The notifications received, in the order they came. */
  notifications(): any[] {
    return this.frames.filter((f) => f.type === 'notification').map((f) => f.notification);
  }

  ids(): string[] {
    return this.notifications().map((n) => n.id);
  }

  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  async waitFor<T>(find: () => T | undefined | false, what: string, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined && found !== false) return found;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out waiting for ${what}; got ${this.frames.length} frames, the last: ${JSON.stringify(this.frames.slice(-3))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until `count` notifications came. */
  waitForNotifications(count: number): Promise<any[]> {
    return this.waitFor(
      () => this.notifications().length >= count && this.notifications(),
      `${count} notification(s)`,
    );
  }

  close(): void {
    this.ws.close(1000);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
