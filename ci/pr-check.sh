#!/usr/bin/env bash
# `make pr-check [BASE=ref]`: is the working tree slower than BASE_REF?
#
#   ci/pr-check.sh [BASE_REF]
#
# Builds BASE_REF (default origin/main, falling back to HEAD~1) in a git worktree next to the
# working tree's build, then runs `chinook-compare ab` on the two chinook-bench binaries against
# the same services: every benchmark in short processes, base and head back to back, round after
# round, each benchmark sampled until the sequential test settles it, the whole within a time
# budget (what is left of PR_TOTAL after the builds), so the samples go where the uncertainty is. Writes build/bench/pr-report.md (for a PR comment; also appended to
# $GITHUB_STEP_SUMMARY when set), pr-report.html and pr-report.json, and keeps the per-round JSON
# and logs under build/bench/pr-ab/.
#
# Environment:
#   CHINOOK_BUILD_DIR  the working tree's build directory (default build/); the base is built in
#                      <build>/pr-base
#   BENCH_FILTER       regex: compare only the matching benchmarks
#   PR_TOTAL           wall-clock budget of the whole check, builds included (default 20m); the
#                      comparison gets what the builds leave of it, less a minute for the report
#   PR_REPS            repetitions per process (default 3; the per-round figure is their median)
#   PR_MIN_TIME        seconds per repetition (default 0.05: many short processes beat few long ones)
#   PR_SEQUENTIAL      regex: benchmarks never run as duets (default ^BM_(Service|Soak|Cache_Stampede)_?)
#   JOBS               build parallelism (default: number of CPUs)
#
# Exit status is chinook-compare's: 0 no regression and every gate passes, 1 a regression, a
# failed or missing gate, or a benchmark that failed; 2 bad input or a run that failed.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${CHINOOK_BUILD_DIR:-$root/build}
out=$build/bench
jobs=${JOBS:-$(nproc)}
total=${PR_TOTAL:-20m}
reps=${PR_REPS:-3}
min_time=${PR_MIN_TIME:-0.05}

die() { echo "pr-check: error: $*" >&2; exit 2; }
started=$(date +%s)
# "20m", "1h", "900s", "900" -> seconds.
seconds_of() {
  case "$1" in
    *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
total_s=$(seconds_of "$total") 2>/dev/null || die "PR_TOTAL: not a duration: $total"
[[ "$total_s" =~ ^[0-9]+$ ]] || die "PR_TOTAL: not a whole number of seconds, minutes or hours: $total"
log() { echo "pr-check: $*" >&2; }

cd "$root"
base_ref=${1:-}
if [ -z "$base_ref" ]; then
  if git rev-parse --verify --quiet origin/main >/dev/null; then
    base_ref=origin/main
  else
    base_ref=HEAD~1
  fi
fi
base_commit=$(git rev-parse --verify --quiet "$base_ref^{commit}") || die "unknown git ref '$base_ref'"
head_desc="working tree at $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- 2>/dev/null || echo ' (with local changes)')"
log "base $base_ref ($(git rev-parse --short "$base_commit")) vs $head_desc"

# The head: the working tree's own build.
[ -f "$build/CMakeCache.txt" ] || cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null ||
  die "configuring the working tree failed"
cmake --build "$build" -j "$jobs" --target chinook-bench chinook-compare || die "building the working tree failed"
head_bench=$build/chinook-bench
compare=$build/chinook-compare

# The base: a detached worktree of BASE_REF, built with the same compiler and build type.
worktree=$build/pr-base/src
base_build=$build/pr-base/build
mkdir -p "$build/pr-base"
cleanup() { git -C "$root" worktree remove --force "$worktree" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
git worktree prune
git worktree add --detach --force "$worktree" "$base_commit" >/dev/null
# Same build type and compiler launcher as the head's build, so that the two binaries differ only by code.
cached() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
build_type=$(cached CMAKE_BUILD_TYPE)
launcher=$(cached CMAKE_CXX_COMPILER_LAUNCHER)  # ccache, when the head's build uses it
cmake -S "$worktree" -B "$base_build" -DCMAKE_BUILD_TYPE="${build_type:-Release}" \
  ${launcher:+-DCMAKE_CXX_COMPILER_LAUNCHER="$launcher"} >/dev/null ||
  die "configuring $base_ref failed"
cmake --build "$base_build" -j "$jobs" --target chinook-bench || die "building $base_ref failed"
base_bench=$base_build/chinook-bench
[ -x "$base_bench" ] || die "the base build produced no chinook-bench"

bench_args=(--benchmark_min_time="$min_time" --benchmark_repetitions="$reps")
budget=$(( total_s - ($(date +%s) - started) - 60 ))
[ "$budget" -ge 180 ] || budget=180
# Single-threaded CPU-time benchmarks run as duets (base and head at once on one CPU); these share
# state outside the process (the service benchmark empties the Redis keys the other side reads,
# the soak writes rows) or run threads of their own (the stampede's 64 loaders, which one CPU would
# serialize), so they run back to back.
compare_args=(--gates "$root/benchmarks/gates.json" --budget "${budget}s" --work-dir "$out/pr-ab"
              --sequential "${PR_SEQUENTIAL:-^BM_(Service|Soak|Cache_Stampede)_?}"
              --markdown "$out/pr-report.md" --html "$out/pr-report.html" --json "$out/pr-report.json")
if [ -n "${BENCH_FILTER:-}" ]; then
  bench_args+=(--benchmark_filter="$BENCH_FILTER")
  compare_args+=(--allow-absent)
fi
mkdir -p "$out"
rm -rf "$out/pr-ab"
log "builds took $(( $(date +%s) - started )) s; comparing for at most $budget s: per benchmark and round one process a side, $reps repetitions x ${min_time}s"
set +e
"$compare" ab "$base_bench" "$head_bench" "${compare_args[@]}" -- "${bench_args[@]}"
code=$?
set -e
if [ -f "$out/pr-report.md" ]; then
  # Say what was compared: the report names the binaries, a reviewer wants the commits.
  { echo "Base: \`$base_ref\` ($(git rev-parse --short "$base_commit")); head: $head_desc."; echo; cat "$out/pr-report.md"; } \
    > "$out/pr-report.md.tmp" && mv "$out/pr-report.md.tmp" "$out/pr-report.md"
  [ -n "${GITHUB_STEP_SUMMARY:-}" ] && cat "$out/pr-report.md" >> "$GITHUB_STEP_SUMMARY"
  log "report: $out/pr-report.md"
fi
exit "$code"
