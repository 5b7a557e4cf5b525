#!/usr/bin/env bash
# The notification benchmark in one command: the bare baseline (HTTP -> RabbitMQ -> consumer ->
# Postgres -> ws), then the built platform through its gateway, at the same submission rates in the
# same run. Arguments go to bench/run-notifications.ts, e.g.
#   bash bench/run-notifications.sh --rates 50,100 --duration 10 --skip-platform
# BENCH_QUICK=1: a smoke check (rates 10 and 50, 5 s steps, about 2 minutes with the build).
# BENCH_SKIP_BUILD=1 skips `npm run build` (the platform then runs what dist/ holds).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/infra.sh >/dev/null
if [[ -z "${BENCH_SKIP_BUILD:-}" ]]; then
  echo "[bench] build: compiling every service (npm run build)"
  npm run --silent build >/dev/null || { echo "[bench] build failed: run npm run build to see why" >&2; exit 1; }
fi
# bench/ is not part of the service build: compiled with the libs it imports, as run-chat.sh does.
rm -rf tmp/bench-build
npx swc bench libs -d tmp/bench-build \
  --ignore '**/*.spec.ts,**/*.int-spec.ts,**/*.fault-spec.ts,**/*.e2e-spec.ts,**/jest.config.js' >/dev/null
node tmp/bench-build/bench/run-notifications.js "$@"
npx prettier --log-level warn --write 'bench/results/notifications-*'
