#!/usr/bin/env bash
# Measures `chinook-compare ab` on this machine, on real timings: TRIALS runs of two identical
# binaries (every alarm is a false alarm) and TRIALS runs of the testbench against its build with
# BM_Target 10% slower (BM_Target must be flagged, nothing else). Slow by design (about a minute
# per trial with the defaults): not part of `make test`.
#
#   tools/compare/ab_trials.sh [BUILD_DIR]
#   env: TRIALS (5), ROUNDS (15), AB_ARGS ("--benchmark_min_time=0.05 --benchmark_repetitions=3")
#
# Prints one line per trial and the totals; exits 1 when a slowdown was missed or a false alarm
# was raised.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-${CHINOOK_BUILD_DIR:-$root/build}}" && pwd)
trials=${TRIALS:-5}
rounds=${ROUNDS:-15}
read -r -a ab_args <<< "${AB_ARGS:---benchmark_min_time=0.05 --benchmark_repetitions=3}"
compare=$build/chinook-compare
base=$build/chinook-compare-testbench-base
slow=$build/chinook-compare-testbench-slow
for f in "$compare" "$base" "$slow"; do
  [ -x "$f" ] || { echo "ab_trials: $f missing: build the chinook-compare targets first" >&2; exit 2; }
done
work=$(mktemp -d /tmp/chinook-ab-trials.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Reads a JSON report; prints "<regressions> <improvements> <BM_Target verdict> <BM_Target change>".
summarize() {
  python3 - "$1" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
target = next((b for b in r["benchmarks"] if b["name"] == "BM_Target"), None)
change = next((m["change"] for m in target["metrics"] if m["judged"]), None) if target else None
print(r["summary"]["regression"], r["summary"]["improvement"],
      target["verdict"] if target else "absent", "%+.1f%%" % (100 * change) if change is not None else "n/a")
EOF
}

false_alarm_runs=0
missed=0
wrong_other=0
for kind in identical slowdown; do
  head=$base
  [ "$kind" = slowdown ] && head=$slow
  for t in $(seq 1 "$trials"); do
    start=$(date +%s)
    set +e
    "$compare" ab "$base" "$head" --rounds "$rounds" --quiet --format json --output "$work/r.json" -- "${ab_args[@]}"
    code=$?
    set -e
    [ "$code" -le 1 ] || { echo "ab_trials: chinook-compare failed (exit $code)" >&2; exit 2; }
    read -r regressions improvements target_verdict target_change < <(summarize "$work/r.json")
    echo "$kind trial $t: exit $code, regressions $regressions, improvements $improvements," \
         "BM_Target $target_verdict ($target_change), $(( $(date +%s) - start )) s"
    if [ "$kind" = identical ]; then
      [ $((regressions + improvements)) -eq 0 ] || false_alarm_runs=$((false_alarm_runs + 1))
    else
      flagged=0
      [ "$target_verdict" = regression ] && flagged=1
      missed=$((missed + 1 - flagged))
      wrong_other=$((wrong_other + regressions + improvements - flagged))
    fi
  done
done
echo "identical binaries: $false_alarm_runs of $trials runs raised an alarm"
echo "10% slowdown: flagged in $((trials - missed)) of $trials runs; other benchmarks wrongly flagged: $wrong_other"
[ "$false_alarm_runs" -eq 0 ] && [ "$missed" -eq 0 ] && [ "$wrong_other" -eq 0 ]
