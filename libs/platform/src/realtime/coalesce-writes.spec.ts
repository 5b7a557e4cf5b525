import { Duplex } from 'node:stream';
import { coalesceEveryWrite, coalesceWrites } from './coalesce-writes';

/** A socket that records each system-call-sized write it would make. */
function recordingSocket(): { socket: Duplex; writes: string[][] } {
  const writes: string[][] = [];
  const socket = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      writes.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map(({ chunk }) => (chunk as Buffer).toString()));
      done();
    },
  });
  return { socket, writes };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesceWrites', () => {
  it('sends the frames of one tick in one write, in order, promise continuations included', async () => {
    const { socket, writes } = recordingSocket();
    coalesceWrites({ _socket: socket });
    socket.write('message');
    await Promise.resolve();
    coalesceWrites({ _socket: socket }); // already held back: no second cork
    socket.write('ack');
    await tick();
    expect(writes).toEqual([['message', 'ack']]);
    expect(socket.writableCorked).toBe(0);
  });

  it('holds nothing back across ticks', async () => {
    const { socket, writes } = recordingSocket();
    coalesceWrites({ _socket: socket });
    socket.write('one');
    await tick();
    socket.write('two');
    await tick();
    expect(writes).toEqual([['one'], ['two']]);
  });

  it('leaves a socket-less or destroyed WebSocket alone', () => {
    expect(() => coalesceWrites({})).not.toThrow();
    const { socket } = recordingSocket();
    socket.destroy();
    coalesceWrites({ _socket: socket });
    expect(socket.writableCorked).toBe(0);
  });
});

describe('coalesceEveryWrite', () => {
  it("sends each tick's writes in one write, in order, and keeps write's answer", async () => {
    const { socket, writes } = recordingSocket();
    coalesceEveryWrite(socket);
    expect(socket.write('method')).toBe(true);
    socket.write('header');
    socket.write('body', () => undefined);
    await tick();
    socket.write('ack');
    await tick();
    expect(writes).toEqual([['method', 'header', 'body'], ['ack']]);
    expect(socket.writableCorked).toBe(0);
  });

  it('writes to a destroyed socket as before, without holding it back', () => {
    const { socket } = recordingSocket();
    coalesceEveryWrite(socket);
    socket.on('error', () => undefined);
    socket.destroy();
    socket.write('late');
    expect(socket.writableCorked).toBe(0);
  });
});
