import type { Duplex, Writable } from 'node:stream';

/** What `coalesceWrites` needs of a `ws` WebSocket: its TCP socket (`ws` keeps it as `_socket`). */
interface WithSocket {
  readonly _socket?: Duplex | null;
}

/**
 * Holds back a WebSocket's writes until the current tick's synchronous work and promise
 * continuations are done, then sends them in one system call (Node's `cork` / `uncork`). Frames
 * sent to one socket in the same tick (a sender's `message` and its `ack`; the frames a proxy
 * read in one chunk) then leave in one TCP write instead of one each: fewer system calls for the
 * sender, and fewer reads and wake-ups for the peer. Order and content are unchanged, and nothing
 * waits for a timer. Call it before `send`; a socket already held back this tick is left as it is.
 */
export function coalesceWrites(ws: object): void {
  const socket = (ws as WithSocket)._socket;
  if (socket) holdForThisTick(socket);
}

/**
 * Makes every write of `socket` from now on hold the socket back for the rest of its tick, as
 * `coalesceWrites` does for one: for a client library that writes frame by frame into a socket it
 * owns. amqplib writes each publish (its frames encoded together) and each ack on its own, so a
 * relay's batch of events went out as one system call and one TCP segment per event; now each
 * tick's writes leave together. Order, content and back-pressure (`write`'s
 * answer) are unchanged.
 */
export function coalesceEveryWrite(socket: Writable): void {
  const write = socket.write;
  socket.write = function (this: Writable, ...args: Parameters<Writable['write']>): boolean {
    holdForThisTick(this);
    return (write as (...a: Parameters<Writable['write']>) => boolean).apply(this, args);
  } as Writable['write'];
}

function holdForThisTick(socket: Writable): void {
  if (socket.writableCorked > 0 || socket.destroyed) return;
  socket.cork();
  process.nextTick(uncork, socket);
}

function uncork(socket: Writable): void {
  socket.uncork();
}
