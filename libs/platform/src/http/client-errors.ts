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
 * How long, and how much, a refused client may go on sending after the answer before the
 * connection is cut: a client that writes its whole request before it reads (fetch, curl) then
 * sees the answer, where an immediate close would reset the connection under its upload.
 */
const LINGER_MS = 2000;
const LINGER_MAX_BYTES = 16 * 1024 * 1024;
const answered = new WeakSet<Socket>();

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses (a request line or headers over
 * the limit, a malformed request) is answered in the API's error shape, then the connection is
 * closed (the parser cannot read on after the error) once the client has finished sending, or
 * after LINGER_MS / LINGER_MAX_BYTES (a "lingering close", as nginx and Apache do).
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // The parser reports again on every later chunk of the same connection.
  if (answered.has(socket)) return;
  answered.add(socket);
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const { status, body } = PARSER_REFUSALS[error.code ?? ''] ?? MALFORMED;
  const json = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(json)}\r\n` +
      'Connection: close\r\n\r\n' +
      json,
  );
  let drained = 0;
  const cut = setTimeout(() => socket.destroy(), LINGER_MS);
  cut.unref();
  socket.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > LINGER_MAX_BYTES) socket.destroy();
  });
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(cut));
  socket.resume();
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
