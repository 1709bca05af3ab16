#!/usr/bin/env bash
# The realistic trials of `chinook-compare ab` (`make ab-trials`; README.md beside this script).
# Measures the true effect of each slowed build (cached while the binaries do not change), then
# runs `chinook-compare ab BASE HEAD` with default settings TRIALS times for each program and
# effect size, quiet and beside the bursty neighbour, and prints detection and false-alarm rates,
# the true effects and the seconds per comparison. Slow by design (a few minutes per comparison):
# not part of `make test`.
#
#   tools/compare/trials/run_trials.sh [BUILD_DIR]
#   env: TRIALS (4)                  comparisons per program, effect size and condition
#        NEIGHBOUR (both)            0 quiet only, 1 beside the neighbour only, both
#        NEIGHBOUR_THREADS (2)       threads of the neighbour
#        PROGRAMS ("records containers text"), EFFECTS ("0 2 5 8 10")
#        EFFECT_PROCESSES (16)       processes per build for the true effects (0: skip)
#        AB_ARGS ("")                more chinook-compare arguments (none: what a user gets)
#        COMPARE (BUILD_DIR/chinook-compare)  the chinook-compare to measure, e.g. an older build
#        LABEL (default)             names this set in the log BUILD_DIR/trials/ab-trials.jsonl
#        VARIANCE=1                  first measure where the variance lives (20 processes x 5
#                                    repetitions of each program's base build, both conditions)
#
# Exit 0 when every goal of issue 9 is met, 1 when one is missed (each named), 2 on bad setup.
set -euo pipefail

root=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "${1:-${CHINOOK_BUILD_DIR:-$root/build}}" && pwd)
trials_py=$root/tools/compare/trials/trials.py
common=(--build "$build" --programs "${PROGRAMS:-records containers text}" --effects "${EFFECTS:-0 2 5 8 10}"
        --neighbour "${NEIGHBOUR:-both}" --neighbour-threads "${NEIGHBOUR_THREADS:-2}")

if [ "${VARIANCE:-0}" = 1 ]; then
  python3 "$trials_py" variance "${common[@]}"
fi
exec python3 "$trials_py" ab "${common[@]}" --trials "${TRIALS:-4}" --effect-processes "${EFFECT_PROCESSES:-16}" \
  --ab-args "${AB_ARGS:-}" --label "${LABEL:-default}" ${COMPARE:+--compare "$COMPARE"}
