# shellcheck shell=bash
# Shared by ci/bench.sh and ci/refresh-baseline.sh, which source it after defining die(): what a
# recorded run of the whole suite is, so that `make bench` and `make baseline` measure alike.

# Dies unless every named program is built.
require_built() {
  local program
  for program in "$@"; do
    [ -x "$program" ] || die "$program not found: run 'make build' (or set CHINOOK_BUILD_DIR)"
  done
}

# Sets the array suite_args to the chinook-bench flags of a recorded run: REPS repetitions of each
# benchmark, every repetition written as JSON to OUT.
#   suite_args_for REPS OUT
suite_args_for() {
  # shellcheck disable=SC2034  # read by the sourcing script
  suite_args=(
    --benchmark_repetitions="$1"
    # Repetitions of different benchmarks run in random order, so that a burst of load on the
    # shared machine spreads over all benchmarks instead of hitting one (and skewing its ratios).
    --benchmark_enable_random_interleaving=true
    # The console shows mean/median/stddev/cv per benchmark; the JSON keeps every repetition.
    --benchmark_display_aggregates_only=true
    --benchmark_out="$2"
    --benchmark_out_format=json
  )
}
