import { execFileSync } from 'node:child_process';
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
