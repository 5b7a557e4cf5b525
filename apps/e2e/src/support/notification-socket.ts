import WebSocket from 'ws';
import { HandshakeRefused } from './chat';
import { e2eState } from './state';

/** `/ws/notifications` as a client app holds it: every frame it received, and waits for them. */
export class NotificationSocket {
  readonly frames: any[] = [];
  closeCode: number | undefined;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString('utf8')));
      this.notify();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.notify();
    });
  }

  /** Opens the socket through the gateway; rejects with `HandshakeRefused` when refused. */
  static open(
    token: string | undefined,
    options: { after?: string; subprotocol?: boolean; baseUrl?: string } = {},
  ): Promise<NotificationSocket> {
    const base = (options.baseUrl ?? e2eState().gatewayUrl).replace(/^http/, 'ws');
    const query = new URLSearchParams();
    if (token !== undefined && !options.subprotocol) query.set('token', token);
    if (options.after !== undefined) query.set('after', options.after);
    const ws = new WebSocket(
      `${base}/ws/notifications?${query}`,
      token !== undefined && options.subprotocol ? ['bearer', token] : undefined,
    );
    const socket = new NotificationSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_req, res) => {
        reject(new HandshakeRefused(res.statusCode ?? 0));
        ws.terminate();
      });
      ws.once('error', reject);
    });
  }

  /** The notifications received, in the order they came. */
  notifications(): any[] {
    return this.frames.filter((f) => f.type === 'notification').map((f) => f.notification);
  }

  /** Waits for a notification `match` picks; undefined after `timeoutMs`. */
  async waitForNotification(
    match: (notification: any) => boolean,
    timeoutMs = 10_000,
  ): Promise<any | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.notifications().find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
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
