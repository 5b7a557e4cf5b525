import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { freePort } from '@ajla/testing';
import { e2eState, REPO_ROOT } from './state';

/** One more conversation-service process on the platform's database, broker vhost and Redis. */
export class Replica {
  private constructor(
    readonly process: ChildProcess,
    readonly url: string,
  ) {}

  static async start(name: string): Promise<Replica> {
    const state = e2eState();
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'dist/apps/conversation-service/src/main.js')],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'test',
          PORT: String(port),
          DATABASE_URL: state.databaseUrl,
          RABBITMQ_URL: state.rabbitmqUrl,
          REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          REDIS_KEY_PREFIX: state.redisPrefix,
          JWT_KEYS_DIR: state.keysDir,
        },
      },
    );
    const log = createWriteStream(
      path.join(REPO_ROOT, 'tmp/e2e-logs', `conversation-service-${name}.log`),
    );
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    const replica = new Replica(child, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`replica ${name} exited (${child.exitCode})`);
      const ok = await fetch(`${replica.url}/health/ready`)
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return replica;
      if (Date.now() > deadline) throw new Error(`replica ${name} did not become ready`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null)
      return Promise.resolve();
    return new Promise((resolve) => {
      this.process.once('exit', () => resolve());
      this.process.kill(signal);
    });
  }
}
