#!/usr/bin/env bash
# The HTTP and socket benchmarks (issue 14) in one command: each scenario through the gateway,
# straight to the owning service and against the bare Fastify + pg + jose server, in one run.
#   bash bench/run-http.sh [--duration 10 --connections 10 --scenarios request-by-id,submission]
#   bash bench/run-http.sh sockets [--steps 1000,2000,5000] [--gateway-replicas 2]
# Arguments go to bench/run-http.ts (or bench/run-sockets.ts after `sockets`).
# BENCH_SKIP_BUILD=1 skips `npm run build` (the platform then runs what dist/ holds).
set -euo pipefail
cd "$(dirname "$0")/.."

entry=run-http
if [[ "${1:-}" == "sockets" ]]; then
  entry=run-sockets
  shift
fi
bash scripts/infra.sh >/dev/null
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  echo "[bench] build: compiling every service (npm run build)"
  npm run --silent build >/dev/null || { echo "[bench] build failed: run npm run build to see why" >&2; exit 1; }
fi
# bench/ is not part of the service build: compiled with the libs it imports, as run-chat.sh does,
# into a folder of its own so that it may run beside another benchmark.
out="tmp/bench-build-${entry}"
rm -rf "$out"
npx swc bench libs -d "$out" \
  --ignore '**/*.spec.ts,**/*.int-spec.ts,**/*.fault-spec.ts,**/*.e2e-spec.ts,**/jest.config.js' >/dev/null
# Every socket is an open file in each process that holds it (two in a gateway): as many as allowed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
node "$out/bench/${entry}.js" "$@"
npx prettier --log-level warn --write "bench/results/${entry#run-}-*"
