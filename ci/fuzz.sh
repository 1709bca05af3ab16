#!/usr/bin/env bash
# Runs every libFuzzer target in a CHINOOK_FUZZ build for a bounded time each, under memory limits.
#
#   ci/fuzz.sh BUILD_DIR SECONDS_PER_TARGET
#
# Each target starts from its committed seeds (<area>/fuzz_seeds/<name>/, which include every input
# that once crashed: replaying them is the regression test) plus the corpus it grew in earlier runs
# (BUILD_DIR/fuzz-corpus/<name>). A crash, leak, UBSan finding, timeout or memory bomb fails the run
# and leaves the input in BUILD_DIR/fuzz-crashes/: add it to the seeds once fixed.
#
# Memory limits, so that an input that makes a decoder allocate without bound is a finding, not a
# pass (every target bounds its work to a few MiB per input):
#   FUZZ_RSS_LIMIT_MB (default 1024)    -rss_limit_mb: the process's resident memory, sampled
#   FUZZ_MALLOC_LIMIT_MB (default 256)  -malloc_limit_mb: any single allocation this large; needs
#                                       the sanitizer allocator, which CHINOOK_FUZZ builds have
#                                       (it implies CHINOOK_SANITIZE); checked below
# A target that needs more states it in <area>/fuzz_seeds/<name>.limits ("rss_mb=N malloc_mb=N"),
# with the reason in a comment line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: ci/fuzz.sh BUILD_DIR SECONDS}
seconds=${2:?usage: ci/fuzz.sh BUILD_DIR SECONDS}
default_rss_mb=${FUZZ_RSS_LIMIT_MB:-1024}
default_malloc_mb=${FUZZ_MALLOC_LIMIT_MB:-256}
mkdir -p "$build/fuzz-crashes"
shopt -s nullglob
fuzzers=("$build"/chinook-fuzz-*)
[ ${#fuzzers[@]} -gt 0 ] || { echo "fuzz: no fuzz targets in $build (configure with -DCHINOOK_FUZZ=ON)" >&2; exit 2; }
failed=0
for fuzzer in "${fuzzers[@]}"; do
  name=${fuzzer##*/chinook-fuzz-}
  # libFuzzer enforces -malloc_limit_mb through the sanitizer allocator's hooks only; without them
  # the limit is silently off and a bomb below the RSS limit would pass.
  # (grep reads all of nm's output: with -q it would stop early and pipefail would see nm's SIGPIPE.)
  if ! nm "$fuzzer" 2>/dev/null | grep ' __sanitizer_install_malloc_and_free_hooks$' >/dev/null; then
    echo "fuzz: $name has no sanitizer allocator, so -malloc_limit_mb would not apply; rebuild $build with -DCHINOOK_FUZZ=ON" >&2
    exit 2
  fi
  corpus=$build/fuzz-corpus/$name
  mkdir -p "$corpus"
  seeds=()
  rss_mb=$default_rss_mb
  malloc_mb=$default_malloc_mb
  for d in "$root"/src/*/fuzz_seeds/"$name" "$root"/tools/*/fuzz_seeds/"$name"; do
    seeds+=("$d")
    if [ -f "$d.limits" ]; then
      limits=$(grep -v '^#' "$d.limits" || true)
      [[ $limits =~ rss_mb=([0-9]+) ]] && rss_mb=${BASH_REMATCH[1]}
      [[ $limits =~ malloc_mb=([0-9]+) ]] && malloc_mb=${BASH_REMATCH[1]}
    fi
  done
  echo "fuzz: $name for ${seconds}s, rss <= ${rss_mb} MiB, malloc <= ${malloc_mb} MiB (seeds: ${seeds[*]:-none})"
  # -timeout: one input taking over 10 s is a hang.
  if ! ASAN_OPTIONS=detect_leaks=1 "$fuzzer" "$corpus" "${seeds[@]}" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb="$rss_mb" -malloc_limit_mb="$malloc_mb" -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-crashes/$name-" >"$build/fuzz-$name.log" 2>&1; then
    echo "fuzz: $name FAILED; see $build/fuzz-$name.log and $build/fuzz-crashes/" >&2
    tail -30 "$build/fuzz-$name.log" >&2
    failed=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz-$name.log" | sed "s/^/fuzz: $name /"
  fi
done
exit $failed
