import type { Readable } from 'node:stream';

/** What a starter writes, as a line, on the stdin of a service it spawned with START_SIGNAL=stdin. */
export const START_LINE = 'start';

/**
 * With `START_SIGNAL=stdin`, resolves to true once the line `start` arrives on `input` (stdin):
 * tools/run-platform.js spawns the services while it provisions their roles and users and declares
 * the topology, so that each loads its code meanwhile, and reads its configuration and connects
 * only once they are there. Resolves to false if `input` ends first (the starter gave up or is
 * gone). Without `START_SIGNAL`, resolves to true at once.
 */
export function startSignal(
  env: Record<string, string | undefined> = process.env,
  input: Readable = process.stdin,
): Promise<boolean> {
  if (env.START_SIGNAL !== 'stdin') return Promise.resolve(true);
  return new Promise((resolve) => {
    let received = '';
    const finish = (started: boolean) => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onEnd);
      // Nothing else is read from it.
      input.destroy();
      resolve(started);
    };
    const onData = (chunk: Buffer | string) => {
      received += chunk.toString();
      if (received.split('\n').some((line) => line.trim() === START_LINE)) finish(true);
    };
    const onEnd = () => finish(false);
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('error', onEnd);
  });
}
