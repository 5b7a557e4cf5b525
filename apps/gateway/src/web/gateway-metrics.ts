import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { RateLimitMetrics } from '../rate-limit/edge-rate-limiter';
import { RateLimitGroup } from '../rate-limit/rate-limits';
import { UpstreamMetrics } from './http-proxy';
import { RelayedFrames, WebSocketMetrics } from './websocket-proxy';

/**
 * What the gateway adds to the platform's HTTP metrics: upstream failures, proxied sockets (open,
 * opened, how long they lasted, refused, frames relayed) and rate limiting.
 */
export class GatewayMetrics implements UpstreamMetrics, WebSocketMetrics, RateLimitMetrics {
  private readonly upstreamFailures: Counter<'upstream' | 'status_code'>;
  private readonly sockets: Gauge<'upstream'>;
  private readonly socketsOpened: Counter<'upstream'>;
  private readonly relayedFrames: Counter<'upstream' | 'direction'>;
  private readonly sessions: Histogram<'upstream'>;
  /** One pair of bound counters per upstream: no label look-up per relayed chunk. */
  private readonly framesByService = new Map<string, RelayedFrames>();
  private readonly refusals: Counter<'upstream' | 'status_code'>;
  private readonly rateLimited: Counter<'group' | 'policy'>;
  private readonly rateLimitSkipped: Counter;

  constructor(registry: Registry) {
    this.upstreamFailures = new Counter({
      name: 'gateway_upstream_failures_total',
      help: 'HTTP requests the gateway could not get answered by the upstream (503 unreachable, 504 timeout, 502 other)',
      labelNames: ['upstream', 'status_code'],
      registers: [registry],
    });
    this.sockets = new Gauge({
      name: 'gateway_websocket_connections',
      help: 'WebSocket connections currently proxied, by upstream',
      labelNames: ['upstream'],
      registers: [registry],
    });
    this.socketsOpened = new Counter({
      name: 'gateway_websocket_opened_total',
      help: 'WebSocket connections the gateway linked to an upstream, by upstream',
      labelNames: ['upstream'],
      registers: [registry],
    });
    this.relayedFrames = new Counter({
      name: 'gateway_websocket_frames_total',
      help: 'WebSocket data frames relayed, by upstream and direction (in: from clients, out: to clients)',
      labelNames: ['upstream', 'direction'],
      registers: [registry],
    });
    this.sessions = new Histogram({
      name: 'gateway_websocket_session_seconds',
      help: 'How long proxied WebSocket connections stayed open, by upstream (observed at their close)',
      labelNames: ['upstream'],
      buckets: [1, 10, 60, 300, 900, 1800, 3600, 7200, 14400, 43200],
      registers: [registry],
    });
    this.refusals = new Counter({
      name: 'gateway_websocket_refusals_total',
      help: 'WebSocket handshakes answered with an HTTP error (by the gateway or the upstream)',
      labelNames: ['upstream', 'status_code'],
      registers: [registry],
    });
    this.rateLimited = new Counter({
      name: 'gateway_rate_limited_total',
      help: 'Requests refused with 429 by the gateway, by group and by the exhausted policy (address or user)',
      labelNames: ['group', 'policy'],
      registers: [registry],
    });
    this.rateLimitSkipped = new Counter({
      name: 'gateway_rate_limit_unavailable_total',
      help: 'Requests let through unchecked because the rate-limit store (Redis) did not answer',
      registers: [registry],
    });
  }

  failed(service: string, status: number): void {
    this.upstreamFailures.inc({ upstream: service, status_code: String(status) });
  }

  opened(service: string): void {
    this.sockets.inc({ upstream: service });
    this.socketsOpened.inc({ upstream: service });
  }

  frames(service: string): RelayedFrames {
    let frames = this.framesByService.get(service);
    if (frames === undefined) {
      const fromClient = this.relayedFrames.labels({ upstream: service, direction: 'in' });
      const toClient = this.relayedFrames.labels({ upstream: service, direction: 'out' });
      frames = {
        fromClient: (messages) => fromClient.inc(messages),
        toClient: (messages) => toClient.inc(messages),
      };
      this.framesByService.set(service, frames);
    }
    return frames;
  }

  closed(service: string, seconds: number): void {
    this.sockets.dec({ upstream: service });
    this.sessions.observe({ upstream: service }, seconds);
  }

  refused(service: string, status: number): void {
    this.refusals.inc({ upstream: service, status_code: String(status) });
  }

  limited(group: RateLimitGroup, policy: 'address' | 'user'): void {
    this.rateLimited.inc({ group, policy });
  }

  limiterUnavailable(): void {
    this.rateLimitSkipped.inc();
  }
}
