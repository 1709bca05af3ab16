#!/usr/bin/env bash
# Throwaway PostgreSQL 15 and Redis servers on loopback for tests and benchmarks.
#
#   ci/services.sh up     start them (idempotent), wait until they answer, write $STATE/env
#   ci/services.sh down   stop them and remove their data; nothing is left running
#   ci/services.sh env    print the env file (export CHINOOK_PG_DSN=... etc.)
#
# Also a Redis Cluster (three masters, three replicas; ci/redis-cluster.sh) whose seeds go to
# CHINOOK_REDIS_CLUSTER as redis+cluster://127.0.0.1:p1,127.0.0.1:p2,... (the scheme
# NewRemoteCacheFromUrls takes). CHINOOK_SERVICES_CLUSTER=0 leaves the cluster out (drills that
# do not use it).
#
# A server whose variable the user already set (CHINOOK_PG_DSN, CHINOOK_REDIS_URL,
# CHINOOK_REDIS_NODES, CHINOOK_REDIS_CLUSTER) is not started; the user's value is passed through into the env file.
# State lives in ${CHINOOK_BUILD_DIR:-build}/services. PostgreSQL refuses to run as root, so when
# run as root the cluster is created and run as the Debian 'postgres' user, in a directory under
# /tmp that user owns (the checkout may sit below a directory it cannot enter).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHINOOK_BUILD_DIR:-$root/build}
state=$build/services
envfile=$state/env
redis_count=${CHINOOK_REDIS_INSTANCES:-3}   # three, so the consistent-hash ring has nodes to spread over
pg_bin=${CHINOOK_PG_BIN:-/usr/lib/postgresql/15/bin}

log() { echo "services: $*" >&2; }
die() { echo "services: error: $*" >&2; exit 1; }

# shellcheck source=ci/ports-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/ports-lib.sh"

# Runs a command as the PostgreSQL user: ourselves when not root, else 'postgres'.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the 'postgres' user (apt-get install postgresql-15)"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_running() { [ -f "$state/pg.dir" ] && as_pg "$pg_bin/pg_ctl" -D "$(cat "$state/pg.dir")/data" status >/dev/null 2>&1; }
redis_running() {
  local i=$1
  [ -f "$state/redis$i.pid" ] && kill -0 "$(cat "$state/redis$i.pid")" 2>/dev/null
}

start_pg() {
  [ -x "$pg_bin/initdb" ] || die "PostgreSQL 15 not found in $pg_bin (run ci/install-deps.sh)"
  if pg_running; then log "postgres already running"; return; fi
  local dir port
  if [ -f "$state/pg.dir" ] && [ -d "$(cat "$state/pg.dir")/data" ]; then
    dir=$(cat "$state/pg.dir")
  else
    dir=$(mktemp -d /tmp/chinook-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
    as_pg "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1 \
      || die "initdb failed; see $state/initdb.log"
    echo "$dir" >"$state/pg.dir"
  fi
  for attempt in 1 2 3; do
    port=$(free_port)
    # Durable settings as in production (fsync on): the per-commit cost of naive writes is real.
    if as_pg "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start -o \
        "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c fsync=on -c max_connections=200" \
        >/dev/null 2>&1; then
      echo "$port" >"$state/pg.port"
      break
    fi
    log "postgres did not start on port $port (attempt $attempt); see $dir/postgres.log"
    [ "$attempt" -eq 3 ] && { tail -20 "$dir/postgres.log" >&2 || true; die "postgres failed to start"; }
  done
  for _ in $(seq 1 100); do
    "$pg_bin/pg_isready" -h 127.0.0.1 -p "$port" -q && break
    sleep 0.1
  done
  "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtc "SELECT 1 FROM pg_database WHERE datname='chinook'" postgres | grep -q 1 \
    || "$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE DATABASE chinook" postgres >/dev/null
  log "postgres on 127.0.0.1:$port (data in $dir)"
}

start_redis() {
  local i=$1 port
  if redis_running "$i"; then log "redis $i already running"; return; fi
  command -v redis-server >/dev/null || die "redis-server not found (run ci/install-deps.sh)"
  for attempt in 1 2 3; do
    port=$(free_port)
    # No persistence: a cache server whose data may vanish; protected mode is moot on loopback.
    if redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --pidfile "$state/redis$i.pid" --logfile "$state/redis$i.log" --dir "$state" \
        --dbfilename "redis$i.rdb" >/dev/null 2>&1; then
      for _ in $(seq 1 100); do
        if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
          echo "$port" >"$state/redis$i.port"
          log "redis $i on 127.0.0.1:$port"
          return
        fi
        sleep 0.05
      done
    fi
    log "redis $i did not answer on port $port (attempt $attempt)"
  done
  die "redis failed to start; see $state/redis$i.log"
}

write_env() {
  local pg_dsn redis_url redis_nodes redis_cluster
  if [ -n "${CHINOOK_PG_DSN:-}" ]; then pg_dsn=$CHINOOK_PG_DSN
  else pg_dsn="postgresql://postgres@127.0.0.1:$(cat "$state/pg.port")/chinook?connect_timeout=5"; fi
  if [ -n "${CHINOOK_REDIS_URL:-}" ]; then
    redis_url=$CHINOOK_REDIS_URL
    redis_nodes=${CHINOOK_REDIS_NODES:-$CHINOOK_REDIS_URL}
  else
    redis_url="redis://127.0.0.1:$(cat "$state/redis0.port")"
    if [ -n "${CHINOOK_REDIS_NODES:-}" ]; then redis_nodes=$CHINOOK_REDIS_NODES
    else
      redis_nodes=""
      for i in $(seq 0 $((redis_count - 1))); do
        redis_nodes="${redis_nodes:+$redis_nodes,}redis://127.0.0.1:$(cat "$state/redis$i.port")"
      done
    fi
  fi
  if [ -n "${CHINOOK_REDIS_CLUSTER:-}" ]; then redis_cluster=$CHINOOK_REDIS_CLUSTER
  elif [ -f "$state/cluster/seeds" ]; then redis_cluster="redis+cluster://$(cat "$state/cluster/seeds")"
  else redis_cluster=""; fi
  {
    echo "export CHINOOK_PG_DSN='$pg_dsn'"
    [ -z "$redis_cluster" ] || echo "export CHINOOK_REDIS_CLUSTER='$redis_cluster'"
    echo "export CHINOOK_REDIS_URL='$redis_url'"
    echo "export CHINOOK_REDIS_NODES='$redis_nodes'"
  } >"$envfile"
}

up() {
  mkdir -p "$state"
  if [ -z "${CHINOOK_PG_DSN:-}" ]; then start_pg; else log "using CHINOOK_PG_DSN from the environment"; fi
  if [ -z "${CHINOOK_REDIS_URL:-}" ]; then
    for i in $(seq 0 $((redis_count - 1))); do start_redis "$i"; done
  else
    log "using CHINOOK_REDIS_URL from the environment"
  fi
  if [ -n "${CHINOOK_REDIS_CLUSTER:-}" ]; then
    log "using CHINOOK_REDIS_CLUSTER from the environment"
  elif [ "${CHINOOK_SERVICES_CLUSTER:-1}" != 0 ]; then
    "$root/ci/redis-cluster.sh" up "$state/cluster"
  fi
  write_env
  log "env written to $envfile"
}

down() {
  [ -d "$state" ] || { log "nothing to stop"; return 0; }
  if [ -f "$state/pg.dir" ]; then
    local dir; dir=$(cat "$state/pg.dir")
    if [ -d "$dir/data" ]; then
      as_pg "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
    fi
    case "$dir" in /tmp/chinook-pg.*) rm -rf "$dir" ;; esac
    rm -f "$state/pg.dir" "$state/pg.port"
  fi
  for pidfile in "$state"/redis*.pid; do
    [ -f "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    if kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
  "$root/ci/redis-cluster.sh" down "$state/cluster" || true
  rm -f "$state"/redis*.port "$state"/redis*.rdb "$envfile"
  log "stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  env) [ -f "$envfile" ] || die "no env file; run '$0 up' first"; cat "$envfile" ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
