// A real webhook receiver on 127.0.0.1 for integration and fault specs.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it was answered with (0: held without an answer). */
  status: number;
}

/** Answers with the statuses it is given, in turn, then `otherwise` (200 unless told). */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private statuses: number[] = [];
  private server: Server | undefined;
  url!: string;
  /** What it answers once the given statuses are used up. */
  otherwise = 200;
  /** How long it waits before it answers (a slow receiver). */
  delayMs = 0;
  /** Requests that arrived and are not answered yet. */
  inFlight = 0;

  async start(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const status = this.statuses.shift() ?? this.otherwise;
        this.received.push({
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          status,
        });
        // 0: hold the request without answering (a receiver that hangs).
        if (status === 0) return;
        this.inFlight += 1;
        setTimeout(() => {
          this.inFlight -= 1;
          res.statusCode = status;
          if (status === 302) res.setHeader('location', this.url);
          res.end(status === 200 ? 'ok' : 'boom');
        }, this.delayMs);
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  }

  answerNext(...statuses: number[]): void {
    this.statuses.push(...statuses);
  }

  /** What arrived for one event (by the envelope's id). */
  of(eventId: string): Received[] {
    return this.received.filter((r) => (JSON.parse(r.body) as { id: string }).id === eventId);
  }

  /** What arrived with one delivery id (`X-Ajla-Delivery`). */
  ofDelivery(deliveryId: string): Received[] {
    return this.received.filter((r) => r.headers['x-ajla-delivery'] === deliveryId);
  }

  /** Stops listening; a no-op when it never started (a suite whose setup failed). */
  stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return Promise.resolve();
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
}
