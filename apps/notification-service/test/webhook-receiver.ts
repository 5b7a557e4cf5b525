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
  private server!: Server;
  url!: string;
  /** What it answers once the given statuses are used up. */
  otherwise = 200;

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
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
        res.statusCode = status;
        if (status === 302) res.setHeader('location', this.url);
        res.end(status === 200 ? 'ok' : 'boom');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks`;
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

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
