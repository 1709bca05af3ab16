#!/usr/bin/env bash
# Fault drills for chinook-profile and chinook-soak against servers of the drill's own (issue 11):
# each drill starts throwaway PostgreSQL + Redis (ci/services.sh with a state directory of its
# own), runs the tool with --json --serve 0, injects one fault while it runs, and prints what the
# tool reported and what it left behind.
#
#   ci/fault_drill.sh [DRILL ...]      default: every drill below
#
#   profile-pg3    chinook-profile, PostgreSQL stopped 1.5 s in (pg_ctl -m fast: every connection
#                  cut), started again 3 s after the stop
#   profile-pg15   the same, 15 s
#   profile-redis  chinook-profile, every redis-server SIGKILLed 1.5 s in (not restarted)
#   profile-redis3 the same, the servers started again (empty) 3 s later: reconnects
#   soak-pg3 / soak-pg15 / soak-redis / soak-redis3    the same faults during chinook-soak (--seconds: the
#                  outage + 12 s)
#
# Per drill, one line: the exit status, operations done and failed, failed attempts and retries,
# the longest recovery (first failure -> success of one operation), how long after the server's
# return attempts still failed, Redis errors in the report and on /metrics, and what was left:
# schemas named chinook_profile_* / chinook_soak_* in pg_namespace, processes of the tool, files
# in its profile directory other than profiles. Exit status 1 if any drill left something.
# DRILL_PG_STOP_MODE=immediate crashes the server instead (its crash recovery then adds seconds of
# start-up here: the line says how long it was really away). Needs the build (make build): CHINOOK_BUILD_DIR (default build/). Not part of make test: the
# 15 s drills alone take a minute.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHINOOK_BUILD_DIR:-$root/build}
pg_bin=${CHINOOK_PG_BIN:-/usr/lib/postgresql/15/bin}
fault_at=${DRILL_FAULT_AT:-1.5}   # seconds after the tool starts
stop_mode=${DRILL_PG_STOP_MODE:-fast}
work=$(mktemp -d /tmp/chinook-drill.XXXXXX)
drills=("$@")
[ ${#drills[@]} -gt 0 ] || drills=(profile-pg3 profile-pg15 profile-redis profile-redis3 soak-pg3 soak-pg15 soak-redis soak-redis3)
# The drill's own servers: never the caller's.
unset CHINOOK_PG_DSN CHINOOK_REDIS_URL CHINOOK_REDIS_NODES CHINOOK_REDIS_CLUSTER

as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
services() { CHINOOK_BUILD_DIR=$work/servers CHINOOK_SERVICES_CLUSTER=0 CHINOOK_REDIS_INSTANCES=${REDIS_INSTANCES:-3} "$root/ci/services.sh" "$@"; }
cleanup() { services down >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

# Field of the JSON report (a dotted path), or "" when absent.
field() { python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): d=d.get(k) if isinstance(d,dict) else None
print("" if d is None else d)' "$1" "$2" 2>/dev/null || true; }

now() { date +%s.%N; }

run_drill() {
  local drill=$1 tool fault seconds
  tool=${drill%%-*}
  fault=${drill#*-}
  unset CHINOOK_PG_DSN CHINOOK_REDIS_URL CHINOOK_REDIS_NODES  # the previous drill's servers
  services up >/dev/null 2>&1 || { echo "$drill: the servers did not start" >&2; return 1; }
  # shellcheck disable=SC1091
  source "$work/servers/services/env"
  local state=$work/servers/services pgdir port out=$work/$drill
  pgdir=$(cat "$state/pg.dir")
  port=$(cat "$state/pg.port")
  mkdir -p "$out/profile"
  set -m  # the tool in a process group of its own: what it leaves running is found by its pgid
  if [ "$tool" = profile ]; then
    "$build/chinook-profile" --iterations 1500 --batch-size 5 --json --serve 0 --serve-linger 1 \
      --profile-dir "$out/profile" >"$out/report.json" 2>"$out/stderr" &
  else
    # Long enough to outlast the outage by 12 s (crash recovery adds ~10 s of start-up here): the
    # run must be seen going on after it.
    local outage=0
    case "$fault" in pg*) outage=${fault#pg} ;; esac
    [ "$stop_mode" = immediate ] && [ "$outage" -gt 0 ] && outage=$((outage + 10))
    "$build/chinook-soak" --threads 2 --ops 100000000 --seconds $((outage + 12)) --warmup 1000 --max-rss-slope 1e12 --json \
      --serve 0 >"$out/report.json" 2>"$out/stderr" &
  fi
  local pid=$! start fault_t="" back=""
  set +m
  start=$(now)
  # Scrape /metrics while the tool runs; keep the last answer.
  (
    url=""
    while kill -0 "$pid" 2>/dev/null; do
      [ -n "$url" ] || url=$(grep -o 'http://127.0.0.1:[0-9]*/metrics' "$out/stderr" | head -1 || true)
      if [ -n "$url" ] && curl -sf --max-time 2 "$url" >"$out/metrics.tmp" 2>/dev/null; then
        mv "$out/metrics.tmp" "$out/metrics"
      fi
      sleep 0.2
    done
  ) &
  local scraper=$!
  sleep "$fault_at"
  fault_t=$(now)
  case "$fault" in
    pg*)
      seconds=${fault#pg}
      as_pg "$pg_bin/pg_ctl" -D "$pgdir/data" -m "$stop_mode" -w -t 30 stop >/dev/null
      sleep "$(python3 -c "print(max(0.0, $seconds - ($(now) - $fault_t)))")"
      as_pg "$pg_bin/pg_ctl" -D "$pgdir/data" -l "$pgdir/postgres.log" -w -t 60 start -o \
        "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pgdir -c fsync=on -c max_connections=200" \
        >/dev/null
      back=$(now)
      ;;
    redis)
      for f in "$state"/redis*.pid; do kill -9 "$(cat "$f")"; done
      ;;
    redis3)
      # Killed, then the same servers (ports, settings: ci/services.sh's, empty) back 3 s later.
      for f in "$state"/redis*.pid; do kill -9 "$(cat "$f")"; done
      sleep 3
      for f in "$state"/redis*.pid; do
        local i; i=$(basename "$f" .pid)
        redis-server --port "$(cat "$state/$i.port")" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes \
          --pidfile "$f" --logfile "$state/$i.log" --dir "$state" --dbfilename "$i.rdb" >/dev/null
      done
      ;;
  esac
  local rc=0
  wait "$pid" || rc=$?
  wait "$scraper" || true
  local elapsed
  elapsed=$(python3 -c "print(f'{$(now) - $start:.1f}')")
  local children schemas files
  children=$(pgrep -g "$pid" 2>/dev/null | wc -l || true)
  schemas=$("$pg_bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qAtc \
    "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'chinook_profile_%' OR nspname LIKE 'chinook_soak_%'" chinook)
  files=$(find "$out/profile" -type f ! -name '*.prof' | wc -l)
  local metric_errors
  metric_errors=$(awk '$1=="chinook_customer_redis_errors_total"{print $2}' "$out/metrics" 2>/dev/null || true)
  local done_ops failed
  if [ "$tool" = profile ]; then
    done_ops=$(python3 -c 'import json,sys; print(sum(o["done"] for o in json.load(open(sys.argv[1]))["operations"]))' \
      "$out/report.json" 2>/dev/null || echo "?")
  else
    done_ops=$(field "$out/report.json" ops_done)
  fi
  failed=$(field "$out/report.json" failed_operations)
  printf '%-14s exit %s in %5ss: ops %s, failed %s, failed attempts %s, retries %s, longest recovery %ss, ' \
    "$drill" "$rc" "$elapsed" "$done_ops" "${failed:-?}" "$(field "$out/report.json" faults.db_failed_attempts)" \
    "$(field "$out/report.json" faults.db_retries)" "$(field "$out/report.json" faults.longest_recovery_seconds)"
  printf 'redis errors %s (metrics %s), reconnects %s, L1 coherent at the end %s; left: %s schemas, %s processes, %s files, clean-up %s\n' \
    "$(field "$out/report.json" faults.redis_errors)" "${metric_errors:-?}" \
    "$(field "$out/report.json" faults.redis_reconnects)" "$(field "$out/report.json" faults.l1_coherent)" \
    "$schemas" "$children" "$files" \
    "$(field "$out/report.json" cleanup.clean)"
  if [ -n "$back" ]; then
    # Time to recover: how long after the server was back operations still failed (the last
    # failed attempt's wall clock from the report, against the moment pg_ctl start returned).
    local last
    last=$(field "$out/report.json" faults.last_failure_unix)
    printf '%-14s server down %.1fs; last failed attempt %.2fs after it was back\n' "" \
      "$(python3 -c "print($back - $fault_t)")" "$(python3 -c "print(f'{${last:-0} - $back:.2f}')")"
  fi
  if [ "${DRILL_VERBOSE:-0}" = 1 ]; then cat "$out/stderr" >&2; fi
  services down >/dev/null 2>&1 || true
  [ "$schemas" = 0 ] && [ "$children" = 0 ] && [ "$files" = 0 ]
}

status=0
for d in "${drills[@]}"; do
  case "$d" in
    profile-pg3|profile-pg15|profile-redis|profile-redis3|soak-pg3|soak-pg15|soak-redis|soak-redis3)
      run_drill "$d" || status=1 ;;
    *) echo "fault_drill: unknown drill '$d' (profile-pg3 profile-pg15 profile-redis profile-redis3 soak-pg3 soak-pg15" \
         "soak-redis soak-redis3)" >&2
       exit 2 ;;
  esac
done
exit $status
