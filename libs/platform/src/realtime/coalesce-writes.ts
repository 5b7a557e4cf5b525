import type { Duplex } from 'node:stream';

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
  if (!socket || socket.writableCorked > 0 || socket.destroyed) return;
  socket.cork();
  process.nextTick(uncork, socket);
}

function uncork(socket: Duplex): void {
  socket.uncork();
}
