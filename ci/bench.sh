#!/usr/bin/env bash
# `make bench`: runs the benchmark suite with repetitions, checks the goals in
# benchmarks/gates.json within that run, and compares the run with the stored baseline of this
# host (baselines/<host>.json, written by `make baseline`) when there is one.
#
#   ci/bench.sh [extra chinook-bench flags]
#
# Environment:
#   CHINOOK_BUILD_DIR  build directory holding chinook-bench and chinook-compare (default build/)
#   BENCH_FILTER       regex: run only the matching benchmarks (gates on the others are skipped)
#   BENCH_REPS         repetitions of each benchmark (default 5)
#   BENCH_BASELINE     baseline file to compare with (default baselines/<short hostname>.json)
#   BENCH_STRICT=1     regressions against the baseline fail the run (see below)
#
# Writes build/bench/current.json (Google Benchmark JSON, every repetition), and next to it
# report.md, report.html and report.json. Prints the console table, then the comparison.
#
# Exit status is chinook-compare's: 0 pass; 1 a gate failed, a gated benchmark is missing, a
# benchmark failed, or (BENCH_STRICT=1) a regression against the baseline; 2 bad input.
# A stored baseline was recorded on another day: machine drift between the two runs is not
# cancelled, so regressions against it are reported as advisory unless BENCH_STRICT=1. The
# drift-proof verdict on a change is `make pr-check` (interleaved runs of base and head).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHINOOK_BUILD_DIR:-$root/build}
out=$build/bench
reps=${BENCH_REPS:-5}
bench=$build/chinook-bench
compare=$build/chinook-compare
gates=$root/benchmarks/gates.json
history=${BENCH_HISTORY:-$root/baselines/history}
baseline=${BENCH_BASELINE:-}

die() { echo "bench: error: $*" >&2; exit 2; }
# shellcheck source=ci/bench-lib.sh
. "$root/ci/bench-lib.sh"
require_built "$bench" "$compare"
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPS must be a positive integer, got '$reps'"
mkdir -p "$out"

suite_args_for "$reps" "$out/current.json"
args=("${suite_args[@]}")
compare_args=(--gates "$gates" --markdown "$out/report.md" --html "$out/report.html" --json "$out/report.json")
if [ -n "${BENCH_FILTER:-}" ]; then
  args+=(--benchmark_filter="$BENCH_FILTER")
  compare_args+=(--allow-absent)  # goals about benchmarks left out by the filter are skipped
fi

echo "bench: $bench, $reps repetitions${BENCH_FILTER:+, filter '$BENCH_FILTER'}" >&2
rm -f "$out/current.json"
# Provenance in the JSON's context (commit, compiler, CPU...): the report warns when it differs
# from the baseline's. Before "$@", so that a --benchmark_context of the caller's wins.
context=$("$root/ci/bench-context.sh" "$build" chinook-bench "${args[@]}" "$@")
"$bench" "${args[@]}" --benchmark_context="$context" "$@"
[ -s "$out/current.json" ] || die "chinook-bench wrote no results to $out/current.json"

echo
set +e
# The baseline: BENCH_BASELINE if given, else the newest runs recorded in the history for this
# run's machine class (CPU model and count), whichever host recorded them.
if [ -z "$baseline" ]; then
  if "$compare" history baseline --dir "$history" --like "$out/current.json" --runs "${BENCH_BASELINE_RUNS:-3}" \
       --out "$out/history-baseline.json"; then
    baseline=$out/history-baseline.json
  else
    echo "bench: no recorded runs of this machine class in $history; 'make baseline' records one." >&2
  fi
fi
if [ -n "$baseline" ]; then
  [ -f "$baseline" ] || die "BENCH_BASELINE $baseline: no such file"
  [ "${BENCH_STRICT:-0}" = 1 ] || compare_args+=(--advisory)
  echo "bench: comparing with baseline $baseline" >&2
  "$compare" "$baseline" "$out/current.json" "${compare_args[@]}"
else
  echo "bench: checking the gates within this run only." >&2
  "$compare" check "$out/current.json" "${compare_args[@]}"
fi
code=$?
set -e
echo "bench: reports in $out/report.{md,html,json}" >&2
exit "$code"
