// Writes the package.json and package-lock.json of ONE service's image: only the production
// dependencies its code (the app and the libs it imports) uses, at the versions of the
// repository's package-lock.json. Nx finds them in its project graph (@nx/js createPackageJson and
// createLockFile), so a service's image carries neither the other services' dependencies nor any
// devDependency. The Dockerfile's build stage runs it; the deps stage runs `npm ci --omit=dev` on
// the result.
//
//   node tools/service-package.js <service> <output dir>     # e.g. user-service /app/prune
const fs = require('node:fs');
const path = require('node:path');
const { createProjectGraphAsync } = require('@nx/devkit');
const { createPackageJson, createLockFile } = require('@nx/js');

const ALWAYS = ['pg'];

async function main() {
  const [service, out] = process.argv.slice(2);
  if (!service || !out) {
    console.error('usage: node tools/service-package.js <service> <output dir>');
    process.exit(2);
  }
  const graph = await createProjectGraphAsync({ exitOnError: true });
  if (!graph.nodes[service]) {
    console.error(`service-package: no Nx project ${service}`);
    process.exit(2);
  }
  const pkg = createPackageJson(service, graph, { isProduction: true });
  delete pkg.devDependencies;
  // Not in the graph, run from any image all the same: tools/provision.js (the provisioning Job),
  // which needs pg.
  const lockVersion = (name) =>
    require(path.resolve(__dirname, '..', 'package-lock.json')).packages[`node_modules/${name}`]
      ?.version;
  for (const name of ALWAYS) {
    pkg.dependencies ??= {};
    pkg.dependencies[name] ??= lockVersion(name);
  }
  const root = require(path.resolve(__dirname, '..', 'package.json'));
  // The root's "engines" (Node >= 20.19) holds for every image.
  const manifest = { ...pkg, name: `ajla-${service}`, version: root.version, private: true };
  manifest.engines = root.engines;
  const lock = createLockFile(manifest, graph, 'npm');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(out, 'package-lock.json'), lock);
  console.log(
    `service-package: ${service}: ${Object.keys(manifest.dependencies ?? {}).length} dependencies`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
