#!/usr/bin/env bash
# A throwaway Redis Cluster on loopback: three masters and three replicas.
#
#   ci/redis-cluster.sh up DIR     start six redis-server processes (free ports), create the
#                                  cluster, wait until every node reports cluster_state:ok with
#                                  all 16384 slots assigned; writes DIR/seeds ("host:port,..."),
#                                  DIR/node<i>.port and DIR/node<i>.pid
#   ci/redis-cluster.sh down DIR   stop what DIR's pid files name (only those) and remove DIR's data
#
# ci/services.sh uses it for the shared cluster of the tests and benchmarks; destructive tests
# (failover, resharding) start a private one in their own DIR so that they never break the
# shared one that parallel tests use. CHINOOK_CLUSTER_NODE_TIMEOUT (ms, default 1000) is the
# cluster-node-timeout: how long a master may be silent before its replica is promoted. Replicas
# fail over however long ago they last heard their master (cluster-replica-validity-factor 0): a
# cache prefers serving slightly old values to a shard without an owner.
set -euo pipefail

nodes=6
timeout_ms=${CHINOOK_CLUSTER_NODE_TIMEOUT:-1000}

log() { echo "redis-cluster: $*" >&2; }
die() { echo "redis-cluster: error: $*" >&2; exit 1; }

# shellcheck source=ci/ports-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/ports-lib.sh"

node_running() { [ -f "$dir/node$1.pid" ] && kill -0 "$(cat "$dir/node$1.pid")" 2>/dev/null; }

start_node() {
  local i=$1 port
  for attempt in 1 2 3; do
    port=$(free_port 10000)  # and its bus port
    mkdir -p "$dir/node$i"
    if redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
        --cluster-enabled yes --cluster-node-timeout "$timeout_ms" --cluster-replica-validity-factor 0 --repl-diskless-sync-delay 0 --cluster-config-file "$dir/node$i/nodes.conf" \
        --pidfile "$dir/node$i.pid" --logfile "$dir/node$i.log" --dir "$dir/node$i" >/dev/null 2>&1; then
      for _ in $(seq 1 100); do
        if redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null | grep -q PONG; then
          echo "$port" >"$dir/node$i.port"
          return
        fi
        sleep 0.05
      done
    fi
    log "node $i did not answer on port $port (attempt $attempt)"
  done
  die "cluster node $i failed to start; see $dir/node$i.log"
}

# The node sees the whole cluster healthy, and if it is a replica its link to its master is up
# (a replica that never synced would have nothing to serve after a failover).
cluster_ok() {
  local port=$1 info repl
  info=$(redis-cli -h 127.0.0.1 -p "$port" cluster info 2>/dev/null) || return 1
  grep -q '^cluster_state:ok' <<<"$info" && grep -q '^cluster_slots_assigned:16384' <<<"$info" \
    && grep -q '^cluster_known_nodes:6' <<<"$info" || return 1
  repl=$(redis-cli -h 127.0.0.1 -p "$port" info replication 2>/dev/null) || return 1
  grep -q '^role:master' <<<"$repl" || grep -q '^master_link_status:up' <<<"$repl"
}

up() {
  command -v redis-server >/dev/null || die "redis-server not found (run ci/install-deps.sh)"
  mkdir -p "$dir"
  local all_running=1
  for i in $(seq 0 $((nodes - 1))); do node_running "$i" || all_running=0; done
  if [ "$all_running" -eq 1 ] && [ -f "$dir/seeds" ]; then log "already running"; return; fi
  for i in $(seq 0 $((nodes - 1))); do node_running "$i" || start_node "$i"; done
  local addrs=()
  for i in $(seq 0 $((nodes - 1))); do addrs+=("127.0.0.1:$(cat "$dir/node$i.port")"); done
  if ! cluster_ok "$(cat "$dir/node0.port")"; then
    redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
      || { tail -20 "$dir/create.log" >&2; die "redis-cli --cluster create failed; see $dir/create.log"; }
  fi
  for _ in $(seq 1 300); do
    local ok=1
    for i in $(seq 0 $((nodes - 1))); do cluster_ok "$(cat "$dir/node$i.port")" || { ok=0; break; }; done
    if [ "$ok" -eq 1 ]; then
      (IFS=,; echo "${addrs[*]}") >"$dir/seeds"
      log "cluster up: $(cat "$dir/seeds")"
      return
    fi
    sleep 0.1
  done
  die "cluster did not reach cluster_state:ok with all slots on every node in 30 s; see $dir/node*.log"
}

down() {
  [ -d "$dir" ] || return 0
  # All at once (a master told to stop waits for its replicas; they are stopping too), then
  # SIGKILL for any still there: the data is throwaway.
  local pids=()
  for pidfile in "$dir"/node*.pid; do
    [ -f "$pidfile" ] || continue
    local pid; pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null && pids+=("$pid")
    rm -f "$pidfile"
  done
  for _ in $(seq 1 40); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.05
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$dir"/node* "$dir/seeds" "$dir/create.log"
}

[ $# -eq 2 ] || { echo "usage: $0 up|down DIR" >&2; exit 2; }
dir=$2
case "$1" in
  up) up ;;
  down) down ;;
  *) echo "usage: $0 up|down DIR" >&2; exit 2 ;;
esac
