#!/usr/bin/env bash
# Installs the Node dependencies when they are missing or older than package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

node_version=$(node -p 'process.versions.node' 2>/dev/null || echo 0)
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null; then
  echo "AJLA needs Node.js >= 20.19 (found $node_version)" >&2
  exit 1
fi

# By content, not modification time: a checkout or merge that leaves the lock as it was must not
# reinstall. The stamp holds the hash of the lock node_modules was installed from.
stamp=node_modules/.ajla-lock-sha256
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f node_modules/.package-lock.json || "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
  echo "deps: installing with npm ci"
  npm ci --no-audit --no-fund
  echo "$wanted" >"$stamp"
fi
