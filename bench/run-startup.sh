#!/usr/bin/env bash
# The start-up benchmark (issue 14) in one command: `node tools/run-platform.js` (what `npm run up`
# runs once built) timed stage by stage until the gateway's /health is 200, beside five bare Node
# processes (Fastify + pg + amqplib + ioredis, connected) spawned at once, in the same run.
#   bash bench/run-startup.sh [--repetitions 5]
# Arguments go to bench/run-startup.ts. BENCH_SKIP_BUILD=1 skips `npm run build` (the platform then
# runs what dist/ holds); BENCH_PORT_BASE=N puts the gateway on N and the services after it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/infra.sh >/dev/null
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  echo "[bench] build: compiling every service (npm run build)"
  npm run --silent build >/dev/null || { echo "[bench] build failed: run npm run build to see why" >&2; exit 1; }
fi
# bench/ is not part of the service build: compiled with the libs it imports, as run-http.sh does,
# into a folder of its own so that it may run beside another benchmark.
out="tmp/bench-build-run-startup"
rm -rf "$out"
npx swc bench libs -d "$out" \
  --ignore '**/*.spec.ts,**/*.int-spec.ts,**/*.fault-spec.ts,**/*.e2e-spec.ts,**/jest.config.js' >/dev/null
node "$out/bench/run-startup.js" "$@"
npx prettier --log-level warn --write "bench/results/startup-*"
