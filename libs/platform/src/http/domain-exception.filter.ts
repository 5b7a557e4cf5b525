import { STATUS_CODES } from 'node:http';
import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { DomainError, DomainErrorCode, RateLimitedError } from '@ajla/shared-kernel';
import { redactUrl } from '../observability/logger';

/** The one error body of every AJLA endpoint. */
export interface ErrorBody {
  detail: string;
  code: string;
}

export interface ErrorAnswer {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
}

const STATUS_OF: Record<DomainErrorCode, number> = {
  validation: HttpStatus.BAD_REQUEST,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  rule_violated: HttpStatus.CONFLICT,
  rate_limited: HttpStatus.TOO_MANY_REQUESTS,
};

const CODE_OF_STATUS: Record<number, string> = {
  400: 'validation',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

// Fastify rejects these before Nest sees the request; their own messages are about Fastify, and
// some quote the request.
const FASTIFY_ERRORS: Record<string, { detail: string; code: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { detail: 'Malformed JSON body', code: 'malformed_json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    detail: 'Body cannot be empty when content-type is application/json',
    code: 'malformed_json',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    detail: 'Unsupported media type: send application/json',
    code: 'unsupported_media_type',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: { detail: 'Request body is too large', code: 'payload_too_large' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    detail: 'Content-Length does not match the body',
    code: 'validation',
  },
  FST_ERR_BAD_URL: { detail: 'Malformed percent-encoding in the URL', code: 'malformed_url' },
  FST_ERR_MAX_PARAM_LENGTH: {
    detail: 'A path segment of the URL is too long',
    code: 'uri_too_long',
  },
};

const INTERNAL: ErrorBody = { detail: 'Internal server error', code: 'internal' };
/** What a service answers to new requests and WebSocket upgrades once it is shutting down (503). */
export const SHUTTING_DOWN: ErrorBody = { detail: 'Service is shutting down', code: 'unavailable' };

/**
 * Maps every error to `{"detail", "code"}` with the right status: domain errors by their code,
 * Nest's HTTP exceptions by their status, Fastify's body errors (malformed JSON, media type, size)
 * and unknown routes too. Anything else is a 500 whose details go to the log only.
 */
@Catch()
export class DomainExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('DomainExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    // WebSocket and RPC errors have their own channels. An event handler's error must reach the
    // event transport unchanged: it rolls back, retries and dead-letters on it (a value here
    // would count as success and ack the event).
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<{ is404?: boolean; method?: string; url?: string }>();
    const reply = http.getResponse<FastifyLikeReply>();
    const answer = errorAnswer(exception, request?.is404 === true);
    if (answer.status >= 500) {
      this.logger.error(
        { err: exception },
        `Unhandled error answering ${request?.method} ${redactUrl(request?.url)}`,
      );
    }
    if (reply.sent) return;
    for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
    reply.status(answer.status).send(answer.body);
  }
}

interface FastifyLikeReply {
  sent?: boolean;
  header(name: string, value: string): unknown;
  status(code: number): { send(body: unknown): unknown };
}

/** The status, body and headers an error is answered with (exported for tests and the gateway). */
export function errorAnswer(exception: unknown, unknownRoute = false): ErrorAnswer {
  // Nest's own text ("Cannot GET /x") would echo the path back; the contract says "Not found".
  if (unknownRoute && exception instanceof NotFoundException) {
    return { status: 404, body: { detail: 'Not found', code: 'not_found' } };
  }
  if (exception instanceof DomainError) {
    const answer: ErrorAnswer = {
      status: STATUS_OF[exception.code] ?? 500,
      body: { detail: exception.message, code: exception.reason ?? exception.code },
    };
    if (exception instanceof RateLimitedError) {
      answer.headers = {
        'retry-after': String(Math.max(1, Math.ceil(exception.retryAfterSeconds))),
      };
    }
    return answer;
  }
  const fastifyCode = fastifyErrorCode(exception);
  if (fastifyCode && FASTIFY_ERRORS[fastifyCode]) {
    const known = FASTIFY_ERRORS[fastifyCode];
    return { status: statusOf(exception) ?? 400, body: { ...known } };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status >= 500 && status !== 503) return { status, body: INTERNAL };
    return {
      status,
      body: { detail: httpDetail(exception), code: CODE_OF_STATUS[status] ?? `http_${status}` },
    };
  }
  // A client error Fastify raised that Nest did not wrap (e.g. from a plugin's hook). Fastify's
  // own messages may quote the request (a URL, a header): only the status's name is told.
  const status = statusOf(exception);
  if (status !== undefined && status >= 400 && status < 500 && exception instanceof Error) {
    const detail = fastifyCode ? (STATUS_CODES[status] ?? 'Bad request') : exception.message;
    return { status, body: { detail, code: CODE_OF_STATUS[status] ?? `http_${status}` } };
  }
  return { status: 500, body: INTERNAL };
}

function httpDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return exception.message;
}

function fastifyErrorCode(exception: unknown): string | undefined {
  const candidates = [exception, exception instanceof Error ? exception.cause : undefined];
  for (const candidate of candidates) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && code.startsWith('FST_')) return code;
  }
  return undefined;
}

function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  const status = (exception as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
