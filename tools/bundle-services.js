#!/usr/bin/env node
// Bundles each built service into one file: `node tools/bundle-services.js [app ...]` (default:
// every folder of dist/apps with a src/main.js). Run by `npm run build:services` after SWC has
// compiled apps/ and libs/ into dist/, and by the Dockerfile.
//
// Why: a service's start-up went mostly to Node's module loader, not to its own work. Each service
// loads ~1,800 files (NestJS 12's ES modules through require(), each CommonJS package they import
// parsed twice, every path resolved, stat'ed and realpath'ed). In one file, the loader's work is
// gone and a service needs ~40 % less CPU until it is ready (bench/README.md, "Start-up").
//
// The bundle replaces dist/apps/<app>/src/main.js, so every entry point (npm run up, the images,
// the tests, the benchmarks) runs it, and `__dirname` stays what the code expects. The rest of
// dist/ stays (the CLIs and the topology step run from it). A source map goes beside it:
// `NODE_OPTIONS=--enable-source-maps` puts the compiled files' lines in stack traces.
//
// What stays outside, required at run time from node_modules:
// - pg, ioredis, undici: OpenTelemetry's instrumentations patch them when they are required, so
//   they must be required for real (tracing on);
// - @opentelemetry/*: loaded only when tracing is on;
// - argon2 (a native addon), swagger-ui-dist (serves its files from its own folder), pino and
//   thread-stream (workers by file name), nodemailer (reads its own data files);
// - what NestJS packages require through `createRequire` and our code imports too (typeorm,
//   class-validator, class-transformer, amqplib, amqp-connection-manager, ws): one copy of each.
//   The build fails if a bundle requires any other installed package that way.
// Packages that NestJS loads only if installed (kafkajs, mqtt, @grpc/grpc-js, ...) are not
// installed: they stay `require` calls that fail as they did, which NestJS expects.
const fs = require('node:fs');
const path = require('node:path');
const { build } = require('rolldown');

const ROOT = path.resolve(__dirname, '..');
const EXTERNAL = [
  /^node:/,
  'pg',
  'pg-native',
  'ioredis',
  'undici',
  /^@opentelemetry\//,
  'argon2',
  'swagger-ui-dist',
  'pino',
  'thread-stream',
  'nodemailer',
  // Required by NestJS packages through `createRequire` (which the bundler cannot follow), as
  // well as by our code: bundled, each would be loaded a second time, a copy with its own state.
  'typeorm',
  'class-validator',
  'class-transformer',
  'amqplib',
  'amqp-connection-manager',
  'ws',
];

function appsToBundle(requested) {
  const appsDir = path.join(ROOT, 'dist/apps');
  const apps = requested.length > 0 ? requested : fs.readdirSync(appsDir);
  return apps.filter((app) => fs.existsSync(path.join(appsDir, app, 'src/main.js')));
}

function packageName(specifier) {
  return specifier.startsWith('@')
    ? specifier.split('/').slice(0, 2).join('/')
    : specifier.split('/')[0];
}

/** Whether `specifier` names a package that is not installed (an optional one). */
function notInstalled(specifier) {
  return !fs.existsSync(path.join(ROOT, 'node_modules', packageName(specifier)));
}

/**
 * Packages that the bundle holds and also requires at run time through `createRequire`
 * (`...href)("x")` or a renamed `require$N("x")`): they would load a second copy.
 */
function installedRuntimeRequires(code) {
  const found = new Set();
  for (const [, specifier] of code.matchAll(/(?:href\)|\brequire\$\d+)\("([^"./][^"]*)"\)/g)) {
    const isExternal = EXTERNAL.some((rule) =>
      typeof rule === 'string'
        ? specifier === rule || specifier.startsWith(`${rule}/`)
        : rule.test(specifier),
    );
    const name = packageName(specifier);
    // A second copy only if the bundle holds one (its files are marked `// node_modules/<name>/`).
    if (!isExternal && code.includes(`// node_modules/${name}/`)) found.add(name);
  }
  return [...found].sort();
}

async function bundle(app) {
  const entry = path.join(ROOT, 'dist/apps', app, 'src/main.js');
  const bundled = `${entry}.bundle`;
  const startedAt = Date.now();
  const problems = [];
  await build({
    input: entry,
    platform: 'node',
    external: EXTERNAL,
    logLevel: 'warn',
    onLog(level, log) {
      const specifier = /Could not resolve '([^']+)'/.exec(log.message)?.[1];
      if (log.code === 'UNRESOLVED_IMPORT' && specifier && notInstalled(specifier)) return;
      // Code of packages using `eval` or reading `this` at module level: as it ran before.
      if (log.code === 'EVAL' || log.code === 'THIS_IS_UNDEFINED') return;
      problems.push(`${level}: ${log.message}`);
    },
    output: {
      file: bundled,
      format: 'cjs',
      codeSplitting: false,
      sourcemap: true,
    },
  });
  if (problems.length > 0) {
    throw new Error(`bundling ${app}:\n${problems.join('\n')}`);
  }
  const code = fs.readFileSync(bundled, 'utf8');
  const loadedTwice = installedRuntimeRequires(code);
  if (loadedTwice.length > 0) {
    throw new Error(
      `bundling ${app}: ${loadedTwice.join(', ')} would be loaded at run time beside the bundled ` +
        'copy (a createRequire call): add it to EXTERNAL in tools/bundle-services.js',
    );
  }
  // The source map's name follows the file's.
  fs.renameSync(`${bundled}.map`, `${entry}.map`);
  const text = code.replace(/\/\/# sourceMappingURL=\S+\s*$/, `//# sourceMappingURL=main.js.map\n`);
  fs.writeFileSync(entry, text);
  fs.rmSync(bundled);
  const size = (fs.statSync(entry).size / 1024 / 1024).toFixed(1);
  console.log(
    `[bundle] ${app}: dist/apps/${app}/src/main.js, ${size} MB, ${Date.now() - startedAt} ms`,
  );
}

async function main() {
  await Promise.all(appsToBundle(process.argv.slice(2)).map(bundle));
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
