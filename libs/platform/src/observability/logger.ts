import { hostname } from 'node:os';
import { IncomingMessage } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino from 'pino';
import { currentRequestContext } from '../http/request-context';
import { REDACTED, redactUrl } from './redact-url';
import { activeSpanContext } from './tracing';

export { LOGGED_QUERY_PARAMETERS, redactUrl } from './redact-url';

/** Routes polled by probes and scrapers: logging each poll would drown everything else. */
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

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

/**
 * Fields of an error that are logged: what it is, where it happened and, for Postgres errors, the
 * SQLSTATE and the names of the constraint, table and column. Never what a driver copies of the
 * data: TypeORM's `parameters` (a password hash, once) and `driverError`, pg's `detail`
 * ("Key (email)=(...) already exists"), `where`, `hint`, `internalQuery`.
 */
const LOGGED_ERROR_FIELDS = [
  'code',
  'errno',
  'syscall',
  'statusCode',
  'severity',
  'routine',
  'schema',
  'table',
  'column',
  'dataType',
  'constraint',
  'query', // TypeORM's SQL text: placeholders, no values
] as const;
const SQLSTATE = /^[0-9A-Z]{5}$/;
// pg ends some messages with the value it could not read: `invalid input syntax for type uuid: "..."`.
const QUOTED_VALUE_AT_END = /(:\s*)"(?:[^"\\]|\\.)*"$/s;
const MAX_ERROR_DEPTH = 4;

/** pino's `err` serializer (and `error`'s): the fields above, of the error and of its causes. */
export function serializeError(error: unknown, depth = 0): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const source = error as Record<string, unknown>;
  const type = typeof source.type === 'string' ? source.type : (error as object).constructor?.name;
  const result: Record<string, unknown> = { type };
  const isDatabaseError = typeof source.code === 'string' && SQLSTATE.test(source.code);
  if (typeof source.message === 'string') {
    const message = isDatabaseError
      ? source.message.replace(QUOTED_VALUE_AT_END, `$1"${REDACTED}"`)
      : source.message;
    result.message = message;
    if (typeof source.stack === 'string') {
      result.stack = source.stack.replace(source.message, message);
    }
  }
  for (const field of LOGGED_ERROR_FIELDS) {
    const value = source[field];
    if (typeof value === 'string' || typeof value === 'number') result[field] = value;
  }
  if (depth < MAX_ERROR_DEPTH) {
    if (source.cause !== undefined) result.cause = serializeError(source.cause, depth + 1);
    if (Array.isArray(source.errors)) {
      result.errors = source.errors.slice(0, 10).map((item) => serializeError(item, depth + 1));
    }
  }
  return result;
}

/** How long a line may wait in the buffer at most: a quiet process still shows its lines at once. */
export const LOG_FLUSH_INTERVAL_MS = 200;
/**
 * Lines go out in chunks of about this many bytes: one write for some forty lines instead of one
 * per line (at 4 KB, the writes were still 3 % of a busy gateway's CPU).
 */
const LOG_CHUNK_BYTES = 16 * 1024;

/**
 * Standard output, buffered: a write to a pipe is a system call, and one per line cost a busy
 * service about a sixth of its CPU (a request by id: 1,580 req/s against 2,090 without the line).
 * Lines wait until 16 KB have gathered, or `LOG_FLUSH_INTERVAL_MS` at most; pino flushes what is
 * left when the process exits (an exception that ends it included). A process killed outright
 * (SIGKILL, out of memory) loses the lines of its last moments.
 */
export function bufferedStdout(fd = 1): pino.DestinationStream & { flush(cb?: () => void): void } {
  const stdout = pino.destination({
    dest: fd,
    sync: false,
    minLength: LOG_CHUNK_BYTES,
    maxWrite: 4 * LOG_CHUNK_BYTES,
  });
  // A timer only while lines wait: an idle process does not wake up for nothing.
  let flushing: NodeJS.Timeout | undefined;
  return {
    write(line: string): void {
      stdout.write(line);
      flushing ??= setTimeout(() => {
        flushing = undefined;
        stdout.flush();
      }, LOG_FLUSH_INTERVAL_MS).unref();
    },
    flush: (cb?: () => void) => stdout.flush(cb),
  };
}

export interface LoggerOptions {
  serviceName: string;
  level: string;
  /** Where lines go; stdout, buffered (`bufferedStdout`), by default (tests pass a stream to read them). */
  destination?: pino.DestinationStream;
}

/**
 * What every line written while a request (or a consumed message) is handled carries, including
 * lines from code that never sees the request: which action it belongs to and, with tracing on,
 * in which span.
 */
export function logContext(): Record<string, string> {
  const context = currentRequestContext();
  const span = activeSpanContext();
  if (!context) return span ? { traceId: span.traceId, spanId: span.spanId } : {};
  return span
    ? {
        reqId: context.requestId,
        correlationId: context.correlationId,
        traceId: span.traceId,
        spanId: span.spanId,
      }
    : { reqId: context.requestId, correlationId: context.correlationId, traceId: context.traceId };
}

/** The base fields, time and level of every line. */
function lineFormat(serviceName: string) {
  return {
    base: { service: serviceName, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    mixin: logContext,
  };
}

/**
 * nestjs-pino settings for the application's own lines: one JSON line per event, each carrying
 * the request and correlation ids (`logContext`), secrets redacted. Requests are not logged here
 * but by `AccessLog`: nestjs-pino's pino-http middleware (a child logger, a Nest middleware run
 * and an AsyncLocalStorage scope per request) cost the gateway a fifth of its CPU.
 */
export function loggerParams({ serviceName, level, destination }: LoggerOptions): Params {
  const options: Params['pinoHttp'] = {
    level,
    ...lineFormat(serviceName),
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    serializers: { err: serializeError, error: serializeError },
  };
  return {
    pinoHttp: [options, destination ?? bufferedStdout()],
    // No HTTP middleware: the request's line is `AccessLog`'s, its ids come from `logContext`.
    forRoutes: [],
  };
}

/** The level of a request's line: `successLevel` below 400, `warn` for a 4xx, `error` for a 5xx. */
export function accessLineLevel(
  statusCode: number,
  successLevel: 'info' | 'debug',
): 'info' | 'debug' | 'warn' | 'error' {
  return statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : successLevel;
}

export interface AccessLogOptions extends LoggerOptions {
  destination: pino.DestinationStream;
  /**
   * The level of the line of a request answered below 400: `info` at the edge (the gateway's is the
   * platform's access log), `debug` (the default) in a service behind it, where the line would say
   * again what the gateway's said and cost a busy service a tenth of its CPU. A 4xx is logged at
   * `warn` and a 5xx at `error` everywhere.
   */
  successLevel?: 'info' | 'debug';
}

export interface AnsweredRequest {
  id: string;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/**
 * One `request completed` line per answered request (probes and scrapes excepted):
 * `req: {id, method, url, userAgent}` (the URL through `redactUrl`), `res: {statusCode}`,
 * `responseTime` (ms) and the context of `logContext`. Its logger has no redaction pass (a tenth of
 * the line's cost with the wildcard paths): the line holds these fields only, none a secret.
 */
export class AccessLog {
  private readonly logger: pino.Logger;
  private readonly successLevel: 'info' | 'debug';

  constructor({ serviceName, level, destination, successLevel = 'debug' }: AccessLogOptions) {
    this.logger = pino({ level, ...lineFormat(serviceName) }, destination);
    this.successLevel = successLevel;
  }

  write(request: AnsweredRequest, statusCode: number, responseTimeMs: number): void {
    const level = accessLineLevel(statusCode, this.successLevel);
    if (!this.logger.isLevelEnabled(level) || QUIET_PATHS.has(pathOf(request.url))) return;
    this.logger[level](
      {
        req: {
          id: request.id,
          method: request.method,
          url: redactUrl(request.url),
          userAgent: request.headers['user-agent'],
        },
        res: { statusCode },
        responseTime: Math.round(responseTimeMs),
      },
      'request completed',
    );
  }
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
