// A fuzz run of any length and seed: builds, then runs the e2e fuzz spec (which starts the built
// platform on a fresh database) with the seed and numbers of cases given.
//   npm run fuzz -- --seed 123 --runs 50000          # 50 000 HTTP cases, 10 000 frames
//   npm run fuzz -- --seed random                    # a new seed (printed)
//   npm run fuzz -- --seed 123 --case 4711           # replay one case (w12: a frame, h12: a handshake)
// Options: --seed, --runs (HTTP cases), --frames, --handshakes, --case, --concurrency.
// E2E_GATEWAY_PORT (default 8000) says where the gateway listens.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const OPTIONS = {
  seed: 'FUZZ_SEED',
  runs: 'FUZZ_RUNS',
  frames: 'FUZZ_FRAMES',
  handshakes: 'FUZZ_HANDSHAKES',
  case: 'FUZZ_CASE',
  concurrency: 'FUZZ_CONCURRENCY',
};

const env = { ...process.env };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const [name, inline] = args[i].replace(/^--/, '').split('=');
  const variable = OPTIONS[name];
  const value = inline ?? args[++i];
  if (!variable || value === undefined) {
    console.error(`fuzz: unknown option or missing value: ${args[i - 1] ?? args[i]}`);
    console.error(
      `options: ${Object.keys(OPTIONS)
        .map((o) => `--${o} <value>`)
        .join(' ')}`,
    );
    process.exit(2);
  }
  env[variable] = value;
}
if (env.FUZZ_SEED === 'random') env.FUZZ_SEED = String(Math.floor(Math.random() * 2 ** 31));
if (env.FUZZ_SEED !== undefined && !/^\d+$/.test(env.FUZZ_SEED)) {
  console.error(`fuzz: --seed must be a non-negative integer or "random", not ${env.FUZZ_SEED}`);
  process.exit(2);
}
console.log(`fuzz: seed ${env.FUZZ_SEED ?? '(the fixed one of npm test)'}`);

const root = path.join(__dirname, '..');
const run = (command, commandArgs) =>
  spawnSync(command, commandArgs, { cwd: root, env, stdio: 'inherit' }).status ?? 1;
if (run('npm', ['run', '--silent', 'build']) !== 0) process.exit(1);
process.exit(
  run('npx', [
    'jest',
    '-c',
    'apps/e2e/jest.config.js',
    '--runInBand',
    'apps/e2e/src/fuzz/fuzz.e2e-spec.ts',
  ]),
);
