#!/usr/bin/env bash
# One command for every test: unit, integration (real Postgres, RabbitMQ, Redis) and end-to-end
# (the built platform driven through the gateway on :8000). Extra arguments go to Jest, e.g.
#   npm test -- --selectProjects user-service
# The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh || exit 1
bash scripts/infra.sh || exit 1

echo "build: compiling every service for the end-to-end suite"
npm run --silent build >/dev/null || { echo "0 passed, 1 failed"; exit 1; }

mkdir -p tmp
rm -f tmp/jest-*.json
export NX_DAEMON=false
if (($#)); then
  npx jest --maxWorkers=2 --json --outputFile=tmp/jest-custom.json "$@"
  exec node tools/test-summary.js tmp/jest-custom.json
fi
# Unit and integration tests in parallel; then, one at a time, the fault tests (they restart the
# broker under everyone's feet, or kill service processes) and the end-to-end suite (it drives one
# platform).
npx jest --ignoreProjects e2e --testPathIgnorePatterns '\.fault-spec\.ts$' --maxWorkers=2 \
  --json --outputFile=tmp/jest-parallel.json
npx jest --runInBand --testPathPatterns '\.(fault|e2e)-spec\.ts$' \
  --json --outputFile=tmp/jest-serial.json
node tools/test-summary.js tmp/jest-parallel.json tmp/jest-serial.json
