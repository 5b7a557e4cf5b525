import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { E2E_STATE_FILE } from './state';

export default async function globalTeardown(): Promise<void> {
  const ctx = (globalThis as Record<string, unknown>).__AJLA_E2E__ as
    | {
        children: ChildProcess[];
        db: { drop(): Promise<void> };
        vhost: { drop(): void };
        mailServer: { close(callback: () => void): void };
        mailDir: string;
      }
    | undefined;
  if (!ctx) return;
  await Promise.all(
    ctx.children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  await new Promise<void>((resolve) => ctx.mailServer.close(resolve));
  rmSync(ctx.mailDir, { recursive: true, force: true });
  await ctx.db.drop();
  ctx.vhost.drop();
  rmSync(E2E_STATE_FILE, { force: true });
}
