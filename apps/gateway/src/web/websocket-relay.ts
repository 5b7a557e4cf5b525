import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';

/** Counts the data messages relayed one way (called once per chunk that ends some). */
export type CountMessages = (messages: number) => void;

/** The longest frame header: 2 bytes, a 64-bit length, a masking key. */
const MAX_HEADER_BYTES = 14;

/**
 * Follows a stream of WebSocket frames by their headers alone, to know where one frame ends and
 * the next begins: payloads are skipped, never copied, unmasked or checked (the endpoints do
 * that). The gateway needs the boundaries to put a close frame of its own into the stream.
 */
export class FrameBoundaries {
  /** Payload bytes of the current frame still to come. */
  private payloadLeft = 0;
  /** The start of a header that a chunk cut short (fewer than 14 bytes). */
  private partialHeader: Buffer | undefined;

  /** A close frame has begun: the endpoint this stream goes to has its close frame already. */
  closeSeen = false;

  get atBoundary(): boolean {
    return this.payloadLeft === 0 && this.partialHeader === undefined;
  }

  /** Follows `chunk` to its end; returns how many data messages ended in it (final frames). */
  pass(chunk: Buffer): number {
    let messages = 0;
    let offset = 0;
    while (offset < chunk.length) {
      const atHeader = this.payloadLeft === 0;
      offset = this.step(chunk, offset);
      if (atHeader && this.endsMessage) messages++;
    }
    return messages;
  }

  /**
   * Follows `chunk` up to the first frame boundary in it: its offset (0 when the stream is at one
   * already), or -1 when the chunk ends inside a frame.
   */
  boundaryIn(chunk: Buffer): number {
    let offset = 0;
    while (!this.atBoundary) {
      if (offset >= chunk.length) return -1;
      offset = this.step(chunk, offset);
    }
    return offset;
  }

  /** One step from `offset`: past the rest of the current payload, or through the next header. */
  private step(chunk: Buffer, offset: number): number {
    if (this.payloadLeft === 0) return offset + this.readHeader(chunk, offset);
    const skipped = Math.min(this.payloadLeft, chunk.length - offset);
    this.payloadLeft -= skipped;
    return offset + skipped;
  }

  /** Set by `readHeader`: the header it read is a data message's final frame. */
  private endsMessage = false;

  /** Reads the header at `offset` (or completes the partial one); how many bytes of `chunk` it took. */
  private readHeader(chunk: Buffer, offset: number): number {
    const carried = this.partialHeader?.length ?? 0;
    const head = this.partialHeader
      ? Buffer.concat([this.partialHeader, chunk.subarray(offset, offset + MAX_HEADER_BYTES)])
      : chunk;
    const at = this.partialHeader ? 0 : offset;
    const length = headerLength(head, at);
    if (length === 0 || head.length - at < length) {
      this.partialHeader = Buffer.from(head.subarray(at));
      this.endsMessage = false;
      return chunk.length - offset;
    }
    this.partialHeader = undefined;
    const short = head[at + 1]! & 0x7f;
    this.payloadLeft =
      short < 126
        ? short
        : short === 126
          ? head.readUInt16BE(at + 2)
          : head.readUInt32BE(at + 2) * 2 ** 32 + head.readUInt32BE(at + 6);
    // FIN set on a data frame (opcode 0, 1 or 2; control frames are 8 and above).
    this.endsMessage = (head[at]! & 0x80) !== 0 && (head[at]! & 0x0f) < 8;
    if ((head[at]! & 0x0f) === 0x8) this.closeSeen = true;
    return length - carried;
  }
}

/** The length of the header at `at` in `head`, or 0 when fewer than 2 bytes are there. */
function headerLength(head: Buffer, at: number): number {
  if (head.length - at < 2) return 0;
  const short = head[at + 1]! & 0x7f;
  const extended = short === 126 ? 2 : short === 127 ? 8 : 0;
  const mask = head[at + 1]! & 0x80 ? 4 : 0;
  return 2 + extended + mask;
}

/**
 * A close frame: unmasked from a server (to the client), masked from a client (to the upstream).
 * `reason` is at most 123 bytes of UTF-8.
 */
export function closeFrame(code: number, reason: string, masked: boolean): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  if (!masked) return Buffer.concat([Buffer.from([0x88, payload.length]), payload]);
  const mask = randomBytes(4);
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x88;
  frame[1] = 0x80 | payload.length;
  mask.copy(frame, 2);
  for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/**
 * One direction of a relayed connection: the bytes `from` reads are written to `to` as they come
 * (chunk for chunk, no frame parsed beyond its header), `from` paused while `to` is backed up. A
 * close frame of the gateway's own goes in at the next frame boundary, unless `from` sent one
 * first; what `from` sends after it is read and dropped (the peer's answering close frame,
 * whatever it had in flight).
 */
class RelayDirection {
  private readonly boundaries = new FrameBoundaries();
  /** The gateway's close frame, waiting for the frame in flight to end. */
  private pendingClose: Buffer | undefined;
  /** The gateway's close frame was written: nothing more goes from `from` to `to`. */
  closed = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly counted: CountMessages | undefined,
  ) {
    from.on('data', (chunk: Buffer) => this.relay(chunk));
    to.on('drain', () => from.resume());
    from.on('end', () => {
      if (!to.destroyed) to.end();
      // `from` got the gateway's close frame and then ended: its closing handshake is over, so
      // its connection ends without waiting for the other side's.
      if (this.reverse?.closed) from.end();
    });
  }

  /** The other direction of the same connection (which writes to `from`). */
  reverse: RelayDirection | undefined;

  relay(chunk: Buffer): void {
    if (this.closed || this.to.destroyed || this.to.writableEnded) return;
    if (this.pendingClose) {
      const boundary = this.boundaries.boundaryIn(chunk);
      if (boundary < 0) {
        if (!this.to.write(chunk)) this.from.pause();
      } else {
        if (boundary > 0) this.to.write(chunk.subarray(0, boundary));
        this.writeClose(this.pendingClose);
      }
      return;
    }
    const messages = this.boundaries.pass(chunk);
    if (messages > 0) this.counted?.(messages);
    if (!this.to.write(chunk)) this.from.pause();
  }

  /** Writes `frame` to `to` at the next frame boundary (now, if the stream is at one). */
  close(frame: Buffer): void {
    if (this.closed || this.pendingClose) return;
    if (this.boundaries.atBoundary) this.writeClose(frame);
    else this.pendingClose = frame;
  }

  private writeClose(frame: Buffer): void {
    this.closed = true;
    this.pendingClose = undefined;
    // An endpoint takes one close frame: when `from` sent its own already (its end of a closing
    // handshake, or a close of its own), that one stands and the gateway's is not written.
    if (!this.boundaries.closeSeen && !this.to.destroyed && !this.to.writableEnded) {
      this.to.write(frame);
    }
    // Keep reading, to drop what follows and see the peer's end.
    this.from.resume();
  }
}

export interface RelayOptions {
  /** Counts the data messages each way (metrics). */
  readonly fromClient?: CountMessages;
  readonly toClient?: CountMessages;
  /** Called once, when both sockets have closed. */
  readonly onClosed: () => void;
  /** How long a closing handshake the gateway starts may take before both sockets are cut. */
  readonly closingTimeoutMs: number;
}

/**
 * A client's socket and the upstream's, after both handshakes: bytes pass through both ways, an
 * error on either side cuts both, an end (FIN) on one ends the other.
 */
export class WebSocketRelay {
  private readonly toUpstream: RelayDirection;
  private readonly toClient: RelayDirection;
  private sockets = 2;
  private cutTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: Socket,
    private readonly upstream: Socket,
    private readonly options: RelayOptions,
  ) {
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.setTimeout(0);
      socket.on('error', () => this.cut());
      socket.once('close', () => this.socketClosed());
    }
    this.toUpstream = new RelayDirection(client, upstream, options.fromClient);
    this.toClient = new RelayDirection(upstream, client, options.toClient);
    this.toUpstream.reverse = this.toClient;
    this.toClient.reverse = this.toUpstream;
  }

  /** Relays bytes that came with a handshake (read before the relay began). */
  start(fromClient: Buffer, fromUpstream: Buffer): void {
    if (fromUpstream.length > 0) this.toClient.relay(fromUpstream);
    if (fromClient.length > 0) this.toUpstream.relay(fromClient);
  }

  /**
   * Closes both sides with `code`, each getting its close frame at its next frame boundary; the
   * sockets end once the endpoints answer, or are cut after `closingTimeoutMs`.
   */
  close(code: number, reasonToClient: string, reasonToUpstream = reasonToClient): void {
    this.toClient.close(closeFrame(code, reasonToClient, false));
    this.toUpstream.close(closeFrame(code, reasonToUpstream, true));
    this.cutLater();
  }

  /** Destroys both sockets at once (the endpoints see the connection drop). */
  cut(): void {
    this.client.destroy();
    this.upstream.destroy();
  }

  private socketClosed(): void {
    this.sockets -= 1;
    if (this.sockets === 1) {
      // The other side ends too (after what it still has to write), or is cut if it lingers.
      for (const socket of [this.client, this.upstream]) {
        if (!socket.destroyed) socket.resume().end();
      }
      this.cutLater();
      return;
    }
    clearTimeout(this.cutTimer);
    this.options.onClosed();
  }

  private cutLater(): void {
    if (this.cutTimer !== undefined) return;
    this.cutTimer = setTimeout(() => this.cut(), this.options.closingTimeoutMs);
    this.cutTimer.unref();
  }
}
