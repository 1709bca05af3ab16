#!/usr/bin/env bash
# `make baseline`: runs the whole suite with enough repetitions and records it in the history,
# baselines/history/<machine class>/<date>_<commit>.json (chinook-compare history add), from which
# `make bench` takes its baseline on any machine of the same class.
#
#   ci/refresh-baseline.sh [--force] [--class NAME] [extra chinook-bench flags]
#   (--class: the machine class to record under; default: from the CPU model and count)
#
# The baseline is plain Google Benchmark JSON (any tool reads it) whose "context" carries the
# provenance: git commit and whether the tree was dirty, UTC date, build type, compiler, CPU model
# and count, kernel, library and server versions, and the command line (ci/bench-context.sh).
# A baseline whose gates fail is refused, as is one from a non-Release build or a filtered run:
# a baseline is what later runs are held to. --force stores it anyway.
#
# Environment: CHINOOK_BUILD_DIR (default build/), BENCH_REPS (default 10), BENCH_FILTER (needs
# --force). Exit status: 0 stored; 1 refused (gates failed); 2 bad input or a failed run.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHINOOK_BUILD_DIR:-$root/build}
reps=${BENCH_REPS:-10}
bench=$build/chinook-bench
compare=$build/chinook-compare
force=0
name=

die() { echo "baseline: error: $*" >&2; exit 2; }
log() { echo "baseline: $*" >&2; }
# shellcheck source=ci/bench-lib.sh
. "$root/ci/bench-lib.sh"

extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --class|--name) [ $# -ge 2 ] || die "$1 needs a value"; name=$2; shift ;;
    --class=*|--name=*) name=${1#*=} ;;
    *) extra+=("$1") ;;
  esac
  shift
done
[ "${FORCE:-0}" = 1 ] && force=1
[ -z "$name" ] || [[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "machine class '$name' must be letters, digits, '.', '_' or '-'"
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPS must be a positive integer, got '$reps'"
require_built "$bench" "$compare"

refuse() {
  if [ "$force" = 1 ]; then
    log "warning: $* (storing anyway: --force)"
  else
    echo "baseline: refused: $* (--force to store it anyway)" >&2
    exit 1
  fi
}
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)
[ "$build_type" = Release ] || refuse "$build is a '${build_type:-unknown}' build, not Release"
[ -z "${BENCH_FILTER:-}" ] || refuse "BENCH_FILTER is set: a baseline should cover the whole suite"

tmp=$build/bench/baseline-candidate.json
mkdir -p "$build/bench" "$root/baselines"
suite_args_for "$reps" "$tmp"
args=("${suite_args[@]}")
[ -n "${BENCH_FILTER:-}" ] && args+=(--benchmark_filter="$BENCH_FILTER")
args+=("${extra[@]}")
context=$("$root/ci/bench-context.sh" "$build" chinook-bench "${args[@]}")
log "running the suite: $reps repetitions per benchmark"
rm -f "$tmp"
"$bench" "${args[@]}" --benchmark_context="$context"
[ -s "$tmp" ] || die "chinook-bench wrote no results"

echo
set +e
"$compare" check "$tmp" --gates "$root/benchmarks/gates.json"
code=$?
set -e
case "$code" in
  0) ;;
  1) refuse "the gates fail on this run" ;;
  *) die "chinook-compare could not check the run (exit $code)" ;;
esac
history_args=(--dir "${BENCH_HISTORY:-$root/baselines/history}")
if [ -n "$name" ]; then history_args+=(--class "$name"); fi
stored=$("$compare" history add "$tmp" "${history_args[@]}") || die "recording the run in the history failed"
rm -f "$tmp"
log "$stored (commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown))"
log "commit it: git add baselines/history"
