import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';

/** A Redis key prefix of its own (`ajla_t:<random>:`) for one test run. */
export function uniqueRedisPrefix(label = 'test'): string {
  return `ajla_t:${label}:${randomBytes(5).toString('hex')}:`;
}

/**
 * Polls `fn` until it returns something other than `undefined`/`false` without throwing; returns
 * that value. After `timeoutMs`, throws the last error (or a timeout error).
 */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 5000,
  intervalMs = 25,
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw lastError ?? new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A TCP port that is free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
