#!/usr/bin/env bash
# CTest chinook-bench-smoke: every benchmark of the suite briefly, with two repetitions (Google
# Benchmark 1.7.1's memory-manager garbage appears only with more than one), then
# chinook-bench-check on the JSON: a failed benchmark or an impossible figure fails the test.
#
#   benchmarks/smoke_test.sh CHINOOK_BENCH CHINOOK_BENCH_CHECK OUT.json
#
# Needs the services of ci/with-services.sh (CHINOOK_PG_DSN, CHINOOK_REDIS_URL,
# CHINOOK_REDIS_CLUSTER), as the
# benchmarks do. Exit status: chinook-bench's if it failed, else chinook-bench-check's.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 CHINOOK_BENCH CHINOOK_BENCH_CHECK OUT.json" >&2; exit 2; }
bench=$1 check=$2 out=$3
rm -f "$out"
"$bench" --benchmark_min_time=0.01 --benchmark_repetitions=2 --benchmark_display_aggregates_only=true \
  --benchmark_out="$out" --benchmark_out_format=json
"$check" "$out"
