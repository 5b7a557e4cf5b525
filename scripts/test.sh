#!/usr/bin/env bash
# One command for every test: the web app's component tests (Vitest), unit, integration (real
# Postgres, RabbitMQ, Redis) and end-to-end (the built platform driven through the gateway on
# :8000). Extra arguments go to Jest alone, e.g.
#   npm test -- --selectProjects user-service        (the web app's alone: npm run web:test)
# The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh || exit 1
bash scripts/infra.sh || exit 1
bash scripts/browser.sh || exit 1

echo "build: compiling every service and the web app for the end-to-end suite"
npm run --silent build >/dev/null || { echo "0 passed, 1 failed"; exit 1; }

mkdir -p tmp
rm -f tmp/jest-*.json tmp/vitest.json
export NX_DAEMON=false
if (($#)); then
  npx jest --maxWorkers=2 --json --outputFile=tmp/jest-custom.json "$@"
  exec node tools/test-summary.js tmp/jest-custom.json
fi
# The web app's component tests (Vitest, jsdom; its JSON report has Jest's shape). Then unit and
# integration tests in parallel; then, one at a time, the fault tests (they restart the broker
# under everyone's feet, or kill service processes) and the end-to-end suite (it drives one
# platform).
npx vitest run --config apps/web/vite.config.mts --maxWorkers=2 \
  --reporter=default --reporter=json --outputFile.json="$PWD/tmp/vitest.json"
npx jest --ignoreProjects e2e --testPathIgnorePatterns '\.fault-spec\.ts$' --maxWorkers=2 \
  --json --outputFile=tmp/jest-parallel.json
npx jest --runInBand --testPathPatterns '\.(fault|e2e)-spec\.ts$' \
  --json --outputFile=tmp/jest-serial.json
node tools/test-summary.js tmp/vitest.json tmp/jest-parallel.json tmp/jest-serial.json
