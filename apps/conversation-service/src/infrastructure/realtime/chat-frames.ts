import { checkUntrustedInput } from '@ajla/platform';
import { isId, ValidationError } from '@ajla/shared-kernel';

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

export type ClientFrame =
  | { type: 'message.send'; content: string; client_id: string | null }
  | { type: 'typing'; is_typing: boolean }
  | { type: 'read'; seq: number }
  | { type: 'ping' };

const FIELDS: Record<ClientFrame['type'], readonly string[]> = {
  'message.send': ['type', 'content', 'client_id'],
  typing: ['type', 'is_typing'],
  read: ['type', 'seq'],
  ping: ['type'],
};

/** Parses and validates one text frame (whitelist: unknown fields are refused). */
export function parseClientFrame(text: string): ClientFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FrameError('malformed_json', 'a frame must be a JSON object');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FrameError('invalid_frame', 'a frame must be a JSON object');
  }
  // The rules of every HTTP body: text Postgres cannot store would fail the INSERT.
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
  const type = frame.type;
  if (!Object.hasOwn(FIELDS, type)) {
    throw new FrameError('unknown_type', `unknown frame type "${type.slice(0, 50)}"`);
  }
  const allowed = FIELDS[type as ClientFrame['type']];
  const unknown = Object.keys(frame).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw new FrameError(
      'invalid_frame',
      unknown.map((key) => `property ${key.slice(0, 50)} should not exist`).join('; '),
    );
  }
  switch (type) {
    case 'message.send': {
      if (typeof frame.content !== 'string') {
        throw new FrameError('invalid_frame', 'content must be a string');
      }
      const clientId = frame.client_id ?? null;
      if (clientId !== null && !isId(clientId)) {
        throw new FrameError('invalid_frame', 'client_id must be a UUID');
      }
      return { type, content: frame.content, client_id: clientId };
    }
    case 'typing':
      if (typeof frame.is_typing !== 'boolean') {
        throw new FrameError('invalid_frame', 'is_typing must be a boolean');
      }
      return { type, is_typing: frame.is_typing };
    case 'read':
      if (typeof frame.seq !== 'number' || !Number.isInteger(frame.seq) || frame.seq < 1) {
        throw new FrameError('invalid_frame', 'seq must be a positive integer');
      }
      return { type, seq: frame.seq };
    default:
      return { type: 'ping' };
  }
}
