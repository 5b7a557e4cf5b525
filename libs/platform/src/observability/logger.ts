import { hostname } from 'node:os';
import { IncomingMessage } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import { currentRequestContext } from '../http/request-context';

/** Routes polled by probes and scrapers: logging each poll would drown everything else. */
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  headers?: Record<string, string | undefined>;
}

// Secrets that may sit in a logged object (a body, headers, an error's context).
const SECRET_FIELDS = [
  'authorization',
  'cookie',
  'password',
  'current_password',
  'new_password',
  'refresh_token',
  'access_token',
  'token',
  'secret',
  'client_secret',
];
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((field) => `*.${field}`),
];

/** A `?token=` in a URL (WebSocket handshakes) is a credential too. */
export function redactUrl(url: string | undefined): string | undefined {
  return url?.replace(/([?&](?:access_)?token=)[^&#]*/gi, '$1[REDACTED]');
}

export interface LoggerOptions {
  serviceName: string;
  level: string;
  /** Where lines go; stdout by default (tests pass a stream to read them). */
  destination?: pino.DestinationStream;
}

/** nestjs-pino settings: one JSON line per event, each carrying request and correlation ids. */
export function loggerParams({ serviceName, level, destination }: LoggerOptions): Params {
  const options: Params['pinoHttp'] = {
    level,
    base: { service: serviceName, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    // Every line written while a request (or a consumed message) is handled says which action it
    // belongs to, including lines from code that never sees the request.
    mixin: () => {
      const context = currentRequestContext();
      return context ? { correlationId: context.correlationId, traceId: context.traceId } : {};
    },
    genReqId: (req: IncomingMessage) => req.id,
    quietReqLogger: true,
    autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.has(pathOf(req)) },
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    // pino-http hands these its standard serialisation of the request and response.
    serializers: {
      req: (req: SerializedRequest) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
        userAgent: req.headers?.['user-agent'],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  return {
    pinoHttp: destination ? [options, destination] : options,
    // nestjs-pino's default route pattern (`{/*splat}`) matches nothing on Nest 12's Fastify adapter.
    forRoutes: [{ path: '/{*splat}', method: RequestMethod.ALL }],
  };
}

// Middleware sees `url` relative to its mount point; middie keeps the full one in `originalUrl`.
function pathOf(req: IncomingMessage & { originalUrl?: string }): string {
  return (req.originalUrl ?? req.url ?? '').split('?')[0];
}
