#!/usr/bin/env bash
# The web app's budgets (bench/web-budget.js): builds the web app and the gateway's serving code,
# then measures the first page's JavaScript and how soon the sign-in page is interactive.
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build:services >/dev/null
npm run --silent build:web
status=0
node bench/web-budget.js "$@" || status=$?
npx prettier --log-level warn --write bench/results
exit $status
