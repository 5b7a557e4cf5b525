#!/usr/bin/env bash
# Access-token signing and verification, @ajla/auth beside jose doing the same work, in one
# process (no services, no infrastructure): ~1-2 minutes. Prints a summary and writes
# bench/results/jwt-<date>.json. Arguments go to bench/jwt.ts, e.g.
#   bash bench/run-jwt.sh --rounds 21 --ops 5000 --concurrency 64
set -euo pipefail
cd "$(dirname "$0")/.."

# Compiled like bench/run-chat.sh compiles bench/ (SWC, paths from .swcrc), into tmp/bench-build.
rm -rf tmp/bench-build
npx swc bench libs -d tmp/bench-build \
  --ignore '**/*.spec.ts,**/*.int-spec.ts,**/*.fault-spec.ts,**/*.e2e-spec.ts,**/jest.config.js' >/dev/null 2>&1
mkdir -p bench/results
out="bench/results/jwt-$(date -u +%Y-%m-%dT%H-%M).json"
node tmp/bench-build/bench/jwt.js "$@" >"$out"
npx prettier --log-level warn --write "$out"
echo "[bench] $out"
