// chinook-bench's main: Google Benchmark's, plus the allocator in the JSON's context.
//
// No benchmark::MemoryManager is registered: Google Benchmark 1.7.1 (Debian 12's) fills the
// memory fields it feeds (allocs_per_iter, max_bytes_used, total_allocated_bytes, net_heap_growth)
// through a dangling pointer in every repetition but the last (google/benchmark#1941). The
// allocation figures come from ScopedMemoryCounters instead (benchmarks/benchmark_memory.h).
#include <benchmark/benchmark.h>

#include <cstdio>

#include "memory/jemalloc_stats.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (!chinook::memory::Available()) {
    std::fprintf(stderr,
                 "chinook-bench: warning: not running on jemalloc; no bytes_per_op / allocs_per_op counters\n");
  }
  benchmark::AddCustomContext("allocator", chinook::memory::Available() ? "jemalloc" : "other");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
