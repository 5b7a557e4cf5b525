import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody, errorAnswer } from './domain-exception.filter';

/** Node's HTTP parser gives up on these before Fastify has a request to answer. */
const PARSER_REFUSALS: Record<string, { status: number; body: ErrorBody }> = {
  // The request line counts against the header limit (16 KiB by default): a very long URL too.
  HPE_HEADER_OVERFLOW: {
    status: 431,
    body: { detail: 'The URL or the headers are too large', code: 'headers_too_large' },
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    body: { detail: 'The request took too long to arrive', code: 'request_timeout' },
  },
};
const MALFORMED: { status: number; body: ErrorBody } = {
  status: 400,
  body: { detail: 'Malformed HTTP request', code: 'malformed_request' },
};

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses (a request line or headers over
 * the limit, a malformed request) is answered in the API's error shape, then the connection closes
 * (the parser cannot read on after the error).
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const { status, body } = PARSER_REFUSALS[error.code ?? ''] ?? MALFORMED;
    const json = JSON.stringify(body);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(json)}\r\n` +
        'Connection: close\r\n\r\n' +
        json,
    );
  }
  socket.destroy();
}

/**
 * Fastify's `frameworkErrors`: what its router refuses before any hook runs (malformed
 * percent-encoding, a path parameter over `maxParamLength`), answered through `errorAnswer` like
 * every other error, without Fastify's own text (which quotes the URL).
 */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const answer = errorAnswer(error);
  void reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);
}
