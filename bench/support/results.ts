import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What a run's `.md` opens with: where and on what it ran. */
export interface RunEnvironment {
  commit: string | null;
  node: string;
  postgres: string | null;
  cpus: string;
  load_average_before: number[];
  /** False when the services ran unbundled (`npm run compile` alone); absent in older results. */
  services_bundled?: boolean | null;
}

/** "Commit `abc`, Node v20, Postgres 15, 2 x AMD EPYC, load average before 0.4 1.2 2.0." */
export function environmentSentence(environment: RunEnvironment): string {
  return (
    `Commit \`${environment.commit}\`, Node ${environment.node}, Postgres ${environment.postgres}, ` +
    `${environment.cpus}, load average before ${environment.load_average_before.join(' ')}` +
    (environment.services_bundled === false ? ', services not bundled.' : '.')
  );
}

/**
 * Writes `bench/results/<name>-<date><tags>.json` and `.md` (`-2`, `-3`... when a run of the same
 * minute already wrote one) and returns that path without its extension.
 */
export function writeResults(
  repoRoot: string,
  name: string,
  startedAt: Date,
  tags: string,
  json: unknown,
  markdown: readonly string[],
): string {
  const stamp = startedAt.toISOString().slice(0, 16).replace(':', '-');
  const wanted = path.join(repoRoot, 'bench/results', `${name}-${stamp}${tags}`);
  let base = wanted;
  for (let i = 2; existsSync(`${base}.json`); i++) base = `${wanted}-${i}`;
  mkdirSync(path.dirname(base), { recursive: true });
  writeFileSync(`${base}.json`, JSON.stringify(json, null, 2) + '\n');
  writeFileSync(`${base}.md`, markdown.join('\n'));
  return base;
}
