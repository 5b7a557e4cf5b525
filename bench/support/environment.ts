import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { testPostgresUrl } from '@ajla/testing';

/** The short commit the working tree is on, or null outside git. */
export function gitCommit(repoRoot: string): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
  } catch {
    return null;
  }
}

/** The version of the Postgres server the benchmarks use, or null when it cannot be asked. */
export async function postgresVersion(): Promise<string | null> {
  const client = new Client({ connectionString: testPostgresUrl() });
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>(
      "SELECT current_setting('server_version') AS v",
    );
    return rows[0]?.v ?? null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * What every benchmark's results say of where they were measured: when, which commit, Node and
 * Postgres versions, the CPUs, the load average just before, whether tracing was on
 * (BENCH_TRACING=1), and whether the built services were bundled (`npm run build`) or not (`npm
 * run compile` alone).
 */
export async function runEnvironment(repoRoot: string, startedAt: Date) {
  return {
    started_at: startedAt.toISOString(),
    commit: gitCommit(repoRoot),
    node: process.version,
    postgres: await postgresVersion(),
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
    load_average_before: os.loadavg().map((n) => Math.round(n * 100) / 100),
    tracing: tracingOn(),
    services_bundled: servicesBundled(repoRoot),
  };
}

/** Whether dist/apps/gateway/src/main.js is a bundle (tools/bundle-services.js); null if not built. */
function servicesBundled(repoRoot: string): boolean | null {
  try {
    const fd = openSync(path.join(repoRoot, 'dist/apps/gateway/src/main.js'), 'r');
    const head = Buffer.alloc(200);
    const read = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    return head.subarray(0, read).includes('rolldown/runtime');
  } catch {
    return null;
  }
}

/** Whether the benchmarks run the platform with tracing on (BENCH_TRACING=1), not the default. */
export function tracingOn(): boolean {
  return /^(1|true|yes|on)$/i.test(process.env.BENCH_TRACING ?? '');
}
