#!/usr/bin/env bash
# Records a history of past commits: builds chinook-bench at each commit named (in a scratch git
# worktree), runs the in-process benchmarks once per commit in the order given, and records each
# run with `chinook-compare history add` under DIR with the commit it measured. Then
# `chinook-compare history report --dir DIR` finds the change points between those commits.
# baselines/commit-history/ was made this way (see its README.md).
#
#   ci/history-at-commits.sh DIR COMMIT...
#
# Environment: CHINOOK_BUILD_DIR (default build/: its chinook-compare records the runs),
# HISTORY_FILTER (the benchmarks; default: those that need no server), HISTORY_REPS (default 5),
# HISTORY_WORK (scratch worktree and builds; default a new temporary directory, removed at the end).
# Exit status: 0 every commit recorded; 2 bad usage or a failed build, run or record.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "history-at-commits: error: $*" >&2; exit 2; }
log() { echo "history-at-commits: $*" >&2; }
# shellcheck source=ci/bench-lib.sh
. "$root/ci/bench-lib.sh"
[ $# -ge 2 ] || die "usage: ci/history-at-commits.sh DIR COMMIT..."
dir=$1
shift
build=${CHINOOK_BUILD_DIR:-$root/build}
compare=$build/chinook-compare
require_built "$compare"
filter=${HISTORY_FILTER:-'^(BM_MetadataJson_Write|BM_MetadataJson_Read|BM_Serialize_Naive|BM_Serialize_Optimized|BM_SerializeBatch_Naive|BM_SerializeBatch_Optimized|BM_SerializeBatch_Gzip/level:1|BM_LocalCache_Get/threads:1|BM_MutexUnorderedMap_Get/threads:1)$'}
reps=${HISTORY_REPS:-5}
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || die "HISTORY_REPS must be a positive integer, got '$reps'"
commits=()
for c in "$@"; do
  commits+=("$(git -C "$root" rev-parse --verify --quiet "$c^{commit}")") || die "'$c' is not a commit"
done
work=${HISTORY_WORK:-}
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'git -C "$root" worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fi
tree=$work/tree
[ -d "$tree" ] || git -C "$root" worktree add --detach "$tree" "${commits[0]}" >/dev/null 2>&1 ||
  die "cannot make a worktree at $tree"
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$work}; fi
# Build every commit first, then run them all: the runs sit close together in time, so the
# machine's state changes as little as possible between them.
for c in "${commits[@]}"; do
  out=$work/bin/$c
  [ -x "$out/chinook-bench" ] && continue
  git -C "$tree" checkout -q --detach "$c"
  cmake -S "$tree" -B "$tree/build" -DCMAKE_BUILD_TYPE=Release "${launcher[@]}" >"$work/cmake.log" 2>&1 ||
    die "cmake at ${c:0:12} failed (log: $work/cmake.log)"
  cmake --build "$tree/build" -j "${JOBS:-2}" --target chinook-bench >"$work/build.log" 2>&1 ||
    die "building chinook-bench at ${c:0:12} failed (log: $work/build.log)"
  mkdir -p "$out"
  cp "$tree/build/chinook-bench" "$tree/build/CMakeCache.txt" "$out/"
  log "built ${c:0:12}"
done
for c in "${commits[@]}"; do
  out=$work/bin/$c
  # The flags of a recorded suite run, as make bench and make baseline use them, on the filter.
  suite_args_for "$reps" "$out/run.json"
  args=("${suite_args[@]}" --benchmark_filter="$filter")
  # The provenance of a recorded run, with the commit measured rather than this tree's HEAD.
  context=$("$root/ci/bench-context.sh" "$out" chinook-bench "${args[@]}" |
    sed "s/chinook_git_commit=[^,]*/chinook_git_commit=$c/; s/chinook_git_dirty=[a-z]*/chinook_git_dirty=false/")
  "$out/chinook-bench" "${args[@]}" --benchmark_context="$context" >"$out/run.log" 2>&1 ||
    die "chinook-bench at ${c:0:12} failed (log: $out/run.log)"
  "$compare" history add "$out/run.json" --dir "$dir" || die "recording the run at ${c:0:12} failed"
done
log "recorded ${#commits[@]} runs in $dir; chinook-compare history report --dir $dir --html FILE"
