// Completes package-lock.json with the platform-specific optional packages that this project's
// package registry does not serve (macOS, Windows, other CPUs). npm records such packages in the
// lock only when it can read their metadata; without them `npm ci` refuses the lock
// ("Missing: @swc/core-darwin-arm64@ from lock file"). Each one is added as an optional entry
// with the os/cpu its name states, exactly what npm would write, so npm skips it on this platform
// and installs it on the one it is for. Run after changing dependencies:
//   npm install <pkg> && node tools/complete-lockfile.js
const fs = require('node:fs');
const path = require('node:path');

const OSES = [
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'openbsd',
  'netbsd',
  'android',
  'openharmony',
  'sunos',
  'aix',
];
const CPUS = [
  'arm64',
  'arm',
  'x64',
  'ia32',
  'ppc64',
  'ppc64le',
  's390x',
  'loong64',
  'riscv64',
  'mips64el',
];

const file = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;

/** Where Node would find `name` from the package at `from` (walks up node_modules folders). */
function resolve(from, name) {
  let base = from;
  for (;;) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i < 0 ? '' : base.slice(0, i);
  }
}

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const osIndex = parts.findIndex((p) => OSES.includes(p));
  const cpu =
    parts.slice(osIndex + 1).find((p) => CPUS.includes(p)) ?? parts.find((p) => CPUS.includes(p));
  if (osIndex < 0 || !cpu) return undefined;
  return { os: parts[osIndex], cpu };
}

let added = 0;
for (const [where, pkg] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    if (resolve(where, name)) continue;
    const platform = platformOf(name);
    if (!platform) {
      console.error(
        `complete-lockfile: ${name} is missing and its platform cannot be told from its name`,
      );
      process.exitCode = 1;
      continue;
    }
    const at = packages[`node_modules/${name}`]
      ? `${where}/node_modules/${name}`
      : `node_modules/${name}`;
    packages[at] = {
      version,
      cpu: [platform.cpu],
      ...(pkg.dev ? { dev: true } : {}),
      optional: true,
      os: [platform.os],
    };
    added += 1;
  }
}

const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: ${added} platform-specific optional package(s) recorded`);
