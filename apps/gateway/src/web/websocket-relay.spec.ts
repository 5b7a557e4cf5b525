import { FrameBoundaries, closeFrame } from './websocket-relay';

/** A frame as a client (masked) or a server (unmasked) writes it. */
function frame(opcode: number, payload: Buffer, { fin = true, masked = false } = {}): Buffer {
  const length = payload.length;
  const extended =
    length < 126
      ? Buffer.alloc(0)
      : length < 65536
        ? Buffer.from([length >> 8, length & 0xff])
        : (() => {
            const bytes = Buffer.alloc(8);
            bytes.writeUInt32BE(Math.floor(length / 2 ** 32), 0);
            bytes.writeUInt32BE(length % 2 ** 32, 4);
            return bytes;
          })();
  const short = length < 126 ? length : length < 65536 ? 126 : 127;
  const head = Buffer.from([(fin ? 0x80 : 0) | opcode, (masked ? 0x80 : 0) | short]);
  const mask = masked ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0);
  return Buffer.concat([head, extended, mask, payload]);
}

/** Splits `bytes` into chunks of `size` (the last one shorter). */
function chunks(bytes: Buffer, size: number): Buffer[] {
  const result: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) result.push(bytes.subarray(i, i + size));
  return result;
}

describe('FrameBoundaries', () => {
  const stream = Buffer.concat([
    frame(1, Buffer.from('hello'), { masked: true }),
    frame(9, Buffer.from('ping')),
    frame(2, Buffer.alloc(300, 7)),
    // A message in two fragments: counted once, at its final frame.
    frame(1, Buffer.from('part one '), { fin: false }),
    frame(0, Buffer.from('part two'), { masked: true }),
    frame(2, Buffer.alloc(70_000, 1), { masked: true }),
    frame(10, Buffer.alloc(0)),
  ]);

  it.each([1, 2, 3, 7, 13, 14, 100, 4096, stream.length])(
    'counts data messages and ends at a boundary however the stream is cut (chunks of %i)',
    (size) => {
      const boundaries = new FrameBoundaries();
      let messages = 0;
      for (const chunk of chunks(stream, size)) messages += boundaries.pass(chunk);
      expect(messages).toBe(4);
      expect(boundaries.atBoundary).toBe(true);
    },
  );

  it('is inside a frame until its last payload byte has passed', () => {
    const boundaries = new FrameBoundaries();
    const text = frame(1, Buffer.from('0123456789'));
    boundaries.pass(text.subarray(0, 1));
    expect(boundaries.atBoundary).toBe(false);
    boundaries.pass(text.subarray(1, text.length - 1));
    expect(boundaries.atBoundary).toBe(false);
    boundaries.pass(text.subarray(text.length - 1));
    expect(boundaries.atBoundary).toBe(true);
  });

  it('finds the first boundary in a chunk: where the frame in flight ends', () => {
    const first = frame(1, Buffer.alloc(200, 0x61));
    const second = frame(1, Buffer.from('next'));
    const boundaries = new FrameBoundaries();
    boundaries.pass(first.subarray(0, 50));
    const rest = Buffer.concat([first.subarray(50), second]);
    expect(boundaries.boundaryIn(rest)).toBe(first.length - 50);
    expect(boundaries.boundaryIn(second)).toBe(0);
  });

  it('reports no boundary in a chunk that ends inside the frame', () => {
    const boundaries = new FrameBoundaries();
    const big = frame(2, Buffer.alloc(1000));
    boundaries.pass(big.subarray(0, 10));
    expect(boundaries.boundaryIn(big.subarray(10, 500))).toBe(-1);
    expect(boundaries.boundaryIn(big.subarray(500))).toBe(big.length - 500);
  });

  it('notes a close frame from its header, data and other control frames not', () => {
    const boundaries = new FrameBoundaries();
    boundaries.pass(Buffer.concat([frame(1, Buffer.from('text')), frame(9, Buffer.alloc(0))]));
    expect(boundaries.closeSeen).toBe(false);
    boundaries.pass(closeFrame(1000, 'bye', true).subarray(0, 6));
    expect(boundaries.closeSeen).toBe(true);
  });

  it('follows a 64-bit length without reading the payload', () => {
    const boundaries = new FrameBoundaries();
    const head = Buffer.from([0x82, 127, 0, 0, 0, 1, 0, 0, 0, 0]); // 2^32 bytes announced
    expect(boundaries.pass(head)).toBe(1);
    boundaries.pass(Buffer.alloc(1024));
    expect(boundaries.atBoundary).toBe(false);
  });
});

describe('closeFrame', () => {
  it('writes an unmasked close frame with code and reason (server to client)', () => {
    expect(closeFrame(1008, 'session revoked', false)).toEqual(
      Buffer.concat([Buffer.from([0x88, 17, 0x03, 0xf0]), Buffer.from('session revoked')]),
    );
  });

  it('masks a close frame sent as a client (to the upstream)', () => {
    const masked = closeFrame(1001, 'Gateway shutting down', true);
    expect(masked[0]).toBe(0x88);
    expect(masked[1]).toBe(0x80 | 23);
    const mask = masked.subarray(2, 6);
    const payload = Buffer.from(masked.subarray(6).map((byte, i) => byte ^ mask[i % 4]!));
    expect(payload.readUInt16BE(0)).toBe(1001);
    expect(payload.subarray(2).toString()).toBe('Gateway shutting down');
  });
});
