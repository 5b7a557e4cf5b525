import { Catch, Logger, type ArgumentsHost, type WsExceptionFilter } from '@nestjs/common';
import { DomainError, ValidationError } from '@ajla/shared-kernel';
import { WebSocket } from 'ws';
import { checkUntrustedInput } from '../http/untrusted-input';
import { coalesceWrites } from './coalesce-writes';

/** A client frame that cannot be taken: answered with an error frame, the connection stays. */
export class FrameError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** A client frame once its envelope is checked: a JSON object whose `type` names a handler. */
export type TypedFrame = Readonly<Record<string, unknown>> & { readonly type: string };

/**
 * Parses one text frame and checks its envelope: a JSON object within the platform's
 * untrusted-input rules (as every HTTP body), whose `type` is one of `types`. The fields of each
 * type are its handler's to check.
 */
export function parseTypedFrame(text: string, types: { has(type: string): boolean }): TypedFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FrameError('malformed_json', 'a frame must be a JSON object');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FrameError('invalid_frame', 'a frame must be a JSON object');
  }
  // Text Postgres cannot store would fail an INSERT; deep nesting, prototype keys: refused.
  try {
    checkUntrustedInput(raw, { what: 'frame' });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new FrameError(
      error.reason === 'validation' ? 'invalid_frame' : error.reason,
      error.message,
    );
  }
  const frame = raw as Record<string, unknown>;
  if (typeof frame.type !== 'string') {
    throw new FrameError('invalid_frame', 'type must be a string');
  }
  if (!types.has(frame.type)) {
    throw new FrameError('unknown_type', `unknown frame type "${frame.type.slice(0, 50)}"`);
  }
  return frame as TypedFrame;
}

/**
 * Refuses the fields of `frame` that its type does not have (the whitelist of every input).
 */
export function onlyFields(frame: TypedFrame, allowed: readonly string[]): void {
  const unknown = Object.keys(frame).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new FrameError(
      'invalid_frame',
      unknown.map((key) => `property ${key.slice(0, 50)} should not exist`).join('; '),
    );
  }
}

/** Sends a text frame if the socket is open; frames of one tick leave in one TCP write. */
export function sendFrame(ws: WebSocket, frame: string): void {
  if (ws.readyState !== WebSocket.OPEN) return;
  coalesceWrites(ws);
  ws.send(frame);
}

const logger = new Logger('WebSocketFrames');

/**
 * The `{"type": "error", "code", "detail"}` frame of an error: a `FrameError` or a domain error
 * says what was wrong with the frame; anything else is logged and answered `internal`. When the
 * frame it answers carried a `client_id` (a message being sent), the error names it too, so the
 * client knows which of its messages was refused and stops sending it.
 */
export function errorFrame(error: unknown, frame?: unknown): string {
  const clientId = clientIdOf(frame);
  const about = clientId === undefined ? {} : { client_id: clientId };
  if (error instanceof FrameError) {
    return JSON.stringify({ type: 'error', code: error.code, detail: error.message, ...about });
  }
  if (error instanceof DomainError) {
    return JSON.stringify({ type: 'error', code: error.reason, detail: error.message, ...about });
  }
  logger.error(`a frame failed: ${String(error)}`, (error as Error)?.stack);
  return JSON.stringify({
    type: 'error',
    code: 'internal',
    detail: 'Internal server error',
    ...about,
  });
}

/** A frame's `client_id` when it is a short string (echoed as given, never an object or a novel). */
function clientIdOf(frame: unknown): string | undefined {
  if (typeof frame !== 'object' || frame === null) return undefined;
  const clientId = (frame as { client_id?: unknown }).client_id;
  return typeof clientId === 'string' && clientId.length > 0 && clientId.length <= 100
    ? clientId
    : undefined;
}

/**
 * What a gateway's handler throws becomes an error frame on the socket it came from, and the
 * connection stays. Put it on every gateway: `@UseFilters(ErrorFrameFilter)` (Nest's own filter
 * would answer `{"event": "exception"}`, a shape the API does not have).
 */
@Catch()
export class ErrorFrameFilter implements WsExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    sendFrame(ws.getClient<WebSocket>(), errorFrame(error, ws.getData()));
  }
}
