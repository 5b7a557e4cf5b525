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

# Backends first, the gateway last. A service joins the platform by existing under apps/: the
# gateway gets its URL; services not built yet are left out of the gateway's routes and /health.
declare -A default_ports=([user-service]=8001 [request-service]=8002 [conversation-service]=8003 [notification-service]=8004)
services=()
for name in user-service request-service conversation-service notification-service; do
  var=$(echo "${name%-service}" | tr a-z A-Z)_SERVICE
  port_var=${var}_PORT
  url_var=${var}_URL
  if [[ -f "dist/apps/$name/src/main.js" ]]; then
    port=${!port_var:-${default_ports[$name]}}
    services+=("$name:$port")
    export "$url_var=${!url_var:-http://127.0.0.1:$port}"
  else
    export "$url_var="
  fi
done
services+=("gateway:${GATEWAY_PORT}")

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

up=false
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:${GATEWAY_PORT}/health" >/dev/null 2>&1; then
    up=true
    break
  fi
  sleep 0.5
done
if $up; then
  echo
  echo "AJLA is up: http://127.0.0.1:${GATEWAY_PORT} (API docs at /docs, health at /health). Ctrl-C stops it."
else
  echo "AJLA did not become healthy within 60 s; GET /health says:" >&2
  curl -sS "http://127.0.0.1:${GATEWAY_PORT}/health" >&2 || true
fi

# Stop everything when any one service exits.
wait -n "${pids[@]}"
echo "a service exited; stopping the platform" >&2
exit 1
