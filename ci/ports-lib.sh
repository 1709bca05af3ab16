# Free loopback ports for the throwaway servers; sourced by ci/services.sh and ci/redis-cluster.sh
# (each defines die() first).

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A random free port in [20000, 50000). With an argument N, port+N must be free too (a Redis
# Cluster node also listens on port+10000, its bus).
free_port() {
  local p also=${1:-}
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    port_in_use "$p" && continue
    if [ -n "$also" ]; then
      [ $((p + also)) -le 65535 ] || continue
      port_in_use $((p + also)) && continue
    fi
    echo "$p"
    return 0
  done
  die "no free port found on 127.0.0.1"
}
