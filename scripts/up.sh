#!/usr/bin/env bash
# One command: installs what is missing, makes sure Postgres/RabbitMQ/Redis run, builds,
# migrates (each service migrates its own schema at start in development) and starts the whole
# platform with the gateway on :8000. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -f .env ]]; then set -a; . ./.env; set +a; fi

bash scripts/deps.sh
bash scripts/infra.sh

export NODE_ENV=${NODE_ENV:-development}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ajla}
GATEWAY_PORT=${GATEWAY_PORT:-8000}
node tools/ensure-database.js "$DATABASE_URL"

echo "build: compiling every service"
npm run --silent build >/dev/null

# name:port, backends first; the gateway last. A new service joins here and in the gateway's routes.
services=("user-service:${USER_SERVICE_PORT:-8001}" "gateway:${GATEWAY_PORT}")
export USER_SERVICE_URL=${USER_SERVICE_URL:-http://127.0.0.1:${USER_SERVICE_PORT:-8001}}

pids=()
stop() {
  trap - INT TERM EXIT
  ((${#pids[@]})) && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

for entry in "${services[@]}"; do
  name=${entry%%:*}
  port=${entry##*:}
  PORT=$port node "dist/apps/$name/src/main.js" > >(sed -u "s/^/[$name] /") 2>&1 &
  pids+=($!)
done

for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:${GATEWAY_PORT}/health" >/dev/null 2>&1; then
    echo
    echo "AJLA is up: http://127.0.0.1:${GATEWAY_PORT} (API docs at /docs, health at /health). Ctrl-C stops it."
    break
  fi
  sleep 0.5
done

# Stop everything when any one service exits.
wait -n "${pids[@]}"
echo "a service exited; stopping the platform" >&2
exit 1
