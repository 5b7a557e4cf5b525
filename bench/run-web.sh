#!/usr/bin/env bash
# The web app's budgets (bench/web-budget.js): builds the services and the web app, then measures
# the first page's JavaScript, how soon the sign-in page is interactive and how soon a 5,000-message
# conversation shows its newest message (on the whole platform: BENCH_PORT_BASE=N for its ports).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/infra.sh >/dev/null
npm run --silent build:services >/dev/null
npm run --silent build:web
rm -rf tmp/bench-build-web
npx swc bench/support libs -d tmp/bench-build-web \
  --ignore '**/*.spec.ts,**/*.int-spec.ts,**/*.fault-spec.ts,**/*.e2e-spec.ts,**/jest.config.js' >/dev/null
status=0
node bench/web-budget.js "$@" || status=$?
npx prettier --log-level warn --write bench/results
exit $status
