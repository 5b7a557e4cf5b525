#!/usr/bin/env bash
# One command: installs what is missing, makes sure Postgres/RabbitMQ/Redis run, builds,
# provisions (tools/provision.js: each service's Postgres owner and runtime roles, schema and
# grants, and its RabbitMQ user; DATABASE_URL and RABBITMQ_URL here are the admin ones), migrates
# (each service migrates its own schema at start in development, as its owner role) and starts the
# whole platform with the gateway on :8000, every service as its own runtime role and broker user
# (tools/run-platform.js; PROVISION=false: all as DATABASE_URL and RABBITMQ_URL). Ctrl-C stops
# everything.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -f .env ]]; then set -a; . ./.env; set +a; fi

bash scripts/deps.sh
bash scripts/infra.sh

export NODE_ENV=${NODE_ENV:-development}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ajla}
export GATEWAY_PORT=${GATEWAY_PORT:-8000}
# Local webhook receivers listen on 127.0.0.1, which production refuses to reach.
export WEBHOOK_ALLOW_PRIVATE=${WEBHOOK_ALLOW_PRIVATE:-true}
node tools/ensure-database.js "$DATABASE_URL"

echo "build: compiling every service"
npm run --silent build >/dev/null 2>&1 || { echo "build failed: run npm run build to see why" >&2; exit 1; }

exec node tools/run-platform.js
