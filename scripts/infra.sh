#!/usr/bin/env bash
# Makes sure the platform's backing services answer: Postgres, RabbitMQ, Redis.
# When one is down and runs on this machine, it is started with the machine's own command.
# Hosts and ports come from PGHOST/PGPORT, RABBITMQ_HOST/RABBITMQ_PORT, REDIS_HOST/REDIS_PORT.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() { # name host port seconds
  local i
  for ((i = 0; i < $4 * 2; i++)); do
    port_open "$2" "$3" && return 0
    sleep 0.5
  done
  echo "infra: $1 is not answering on $2:$3 after $4 s" >&2
  return 1
}

ensure() { # name host port start-command...
  local name=$1 host=$2 port=$3
  shift 3
  if port_open "$host" "$port"; then
    echo "infra: $name is up on $host:$port"
    return 0
  fi
  if [[ "$host" != "127.0.0.1" && "$host" != "localhost" ]]; then
    echo "infra: $name is down on $host:$port and is not local; start it and retry" >&2
    return 1
  fi
  echo "infra: starting $name"
  "$@" >/dev/null 2>&1 || echo "infra: could not start $name with: $*" >&2
  wait_port "$name" "$host" "$port" 90
  echo "infra: $name is up on $host:$port"
}

start_postgres() {
  command -v pg_ctlcluster >/dev/null || return 1
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start
}
start_redis() {
  command -v redis-server >/dev/null || return 1
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
}
start_rabbitmq() {
  command -v rabbitmq-server >/dev/null || return 1
  rabbitmq-server -detached
}

ensure Postgres "${PGHOST:-127.0.0.1}" "${PGPORT:-5432}" start_postgres
ensure Redis "${REDIS_HOST:-127.0.0.1}" "${REDIS_PORT:-6379}" start_redis
ensure RabbitMQ "${RABBITMQ_HOST:-127.0.0.1}" "${RABBITMQ_PORT:-5672}" start_rabbitmq
