#!/usr/bin/env bash
# Runs every libFuzzer target in a CHINOOK_FUZZ build for a bounded time each.
#
#   ci/fuzz.sh BUILD_DIR SECONDS_PER_TARGET
#
# Each target starts from its committed seeds (<area>/fuzz_seeds/<name>/, which include every input
# that once crashed: replaying them is the regression test) plus the corpus it grew in earlier runs
# (BUILD_DIR/fuzz-corpus/<name>). A crash, leak, UBSan finding or timeout fails the run and leaves
# the input in BUILD_DIR/fuzz-crashes/: add it to the seeds once fixed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: ci/fuzz.sh BUILD_DIR SECONDS}
seconds=${2:?usage: ci/fuzz.sh BUILD_DIR SECONDS}
mkdir -p "$build/fuzz-crashes"
shopt -s nullglob
fuzzers=("$build"/chinook-fuzz-*)
[ ${#fuzzers[@]} -gt 0 ] || { echo "fuzz: no fuzz targets in $build (configure with -DCHINOOK_FUZZ=ON)" >&2; exit 2; }
failed=0
for fuzzer in "${fuzzers[@]}"; do
  name=${fuzzer##*/chinook-fuzz-}
  corpus=$build/fuzz-corpus/$name
  mkdir -p "$corpus"
  seeds=()
  for d in "$root"/src/*/fuzz_seeds/"$name" "$root"/tools/*/fuzz_seeds/"$name"; do seeds+=("$d"); done
  echo "fuzz: $name for ${seconds}s (seeds: ${seeds[*]:-none})"
  # -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds a runaway allocation.
  if ! ASAN_OPTIONS=detect_leaks=1 "$fuzzer" "$corpus" "${seeds[@]}" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/fuzz-crashes/$name-" \
      >"$build/fuzz-$name.log" 2>&1; then
    echo "fuzz: $name FAILED; see $build/fuzz-$name.log and $build/fuzz-crashes/" >&2
    tail -30 "$build/fuzz-$name.log" >&2
    failed=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz-$name.log" | sed "s/^/fuzz: $name /"
  fi
done
exit $failed
