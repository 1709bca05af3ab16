#!/usr/bin/env bash
# Prints the provenance of a benchmark run as one --benchmark_context value (key=value pairs,
# comma-separated), so that the results JSON carries it in its "context" and chinook-compare can
# show it and warn when two runs differ in compiler, CPU or build type.
#
#   ci/bench-context.sh BUILD_DIR [COMMAND...]
#
# Keys: chinook_git_commit, chinook_git_dirty, chinook_date_utc, chinook_build_type,
# chinook_compiler, chinook_cpu_model, chinook_cpu_count, chinook_kernel, chinook_libraries,
# chinook_command. Google Benchmark splits the flag on ',' and '=', so values have those replaced
# by ';' and ':'.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$1
shift

clean() { printf '%s' "$*" | tr ',=\n' ';: ' | sed 's/  */ /g; s/ $//'; }
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt" 2>/dev/null; }

commit=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
dirty=false
git -C "$root" diff --quiet HEAD -- 2>/dev/null || dirty=true
compiler_path=$(cache CMAKE_CXX_COMPILER)
compiler=$("${compiler_path:-c++}" --version 2>/dev/null | head -n 1 || echo unknown)
cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
libraries=$(dpkg-query -W -f='${Package} ${Version};' libbenchmark-dev libprotobuf-dev libpq-dev \
  libhiredis-dev libjemalloc-dev postgresql-15 redis-server 2>/dev/null || true)

pairs=(
  "chinook_git_commit=$(clean "$commit")"
  "chinook_git_dirty=$dirty"
  "chinook_date_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  "chinook_build_type=$(clean "$(cache CMAKE_BUILD_TYPE)")"
  "chinook_compiler=$(clean "$compiler")"
  "chinook_cpu_model=$(clean "${cpu_model:-unknown}")"
  "chinook_cpu_count=$(nproc)"
  "chinook_kernel=$(clean "$(uname -sr)")"
  "chinook_libraries=$(clean "${libraries%;}")"
  "chinook_command=$(clean "$*")"
)
(IFS=,; echo "${pairs[*]}")
