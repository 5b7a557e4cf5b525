#!/usr/bin/env bash
# The chat benchmark in one command: the bare baseline, then the built platform through its
# gateway, at the same rates in the same run. Arguments go to bench/run-chat.ts, e.g.
#   bash bench/run-chat.sh --rates 500,1000 --duration 10 --skip-platform
# BENCH_SKIP_BUILD=1 skips `npm run build` (the platform then runs what dist/ holds).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/infra.sh >/dev/null
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  echo "[bench] build: compiling every service (npm run build)"
  npm run --silent build >/dev/null || { echo "[bench] build failed: run npm run build to see why" >&2; exit 1; }
fi
# bench/ is not part of the service build: compile it with the libs it imports, the way
# `npm run build` compiles the services (SWC, paths from .swcrc), into tmp/bench-build.
rm -rf tmp/bench-build
npx swc bench libs -d tmp/bench-build \
  --ignore '**/*.spec.ts,**/*.int-spec.ts,**/*.fault-spec.ts,**/*.e2e-spec.ts,**/jest.config.js' >/dev/null
node tmp/bench-build/bench/run-chat.js "$@"
npx prettier --log-level warn --write bench/results
