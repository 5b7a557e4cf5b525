import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { testPostgresUrl } from '@ajla/testing';
import { provisionTools } from './provision';
import { E2E_STATE_FILE, type LeastPrivilegeState } from './state';

export default async function globalTeardown(): Promise<void> {
  const ctx = (globalThis as Record<string, unknown>).__AJLA_E2E__ as
    | {
        children: ChildProcess[];
        db: { drop(): Promise<void> };
        vhost: { drop(): void };
        leastPrivilege: LeastPrivilegeState;
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
  // Roles are cluster-wide and users broker-wide: dropped once the database is gone.
  await provisionTools().unprovision({
    databaseUrl: testPostgresUrl(),
    rabbitmq: ctx.leastPrivilege.rabbitmq,
    prefix: ctx.leastPrivilege.prefix,
  });
  ctx.vhost.drop();
  rmSync(E2E_STATE_FILE, { force: true });
}
