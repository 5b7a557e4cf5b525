import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { freePort } from './wait';

export interface ServiceProcessOptions {
  /** The built entry point (`dist/apps/<service>/src/main.js`). */
  script: string;
  /** Its environment, besides this process's own and `PORT` (a free one). */
  env: Record<string, string>;
  /** Where its stdout and stderr go. */
  logFile: string;
  cwd?: string;
  /** How long it may take to be ready. Default 30 s. */
  readyTimeoutMs?: number;
}

/**
 * A built service in a process of its own on a free port, for tests that kill it (SIGKILL, where
 * an in-process instance could only be closed politely). `start` resolves once its
 * `/health/ready` answers 200.
 */
export class ServiceProcess {
  private constructor(
    readonly process: ChildProcess,
    /** `http://127.0.0.1:<port>`. */
    readonly url: string,
  ) {}

  static async start(name: string, options: ServiceProcessOptions): Promise<ServiceProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [options.script], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, PORT: String(port) },
    });
    const log = createWriteStream(options.logFile);
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const started = new ServiceProcess(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode})`);
      const ok = await fetch(`${started.url}/health/ready`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return started;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`${name} did not become ready (see ${options.logFile})`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends `signal` and resolves once the process has exited (at once if it has). */
  kill(signal: NodeJS.Signals): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null)
      return Promise.resolve();
    return new Promise((resolve) => {
      this.process.once('exit', () => resolve());
      this.process.kill(signal);
    });
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
export function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
