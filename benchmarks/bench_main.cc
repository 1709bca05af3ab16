// chinook-bench's main: Google Benchmark's, plus the jemalloc memory manager so that the JSON's
// memory fields (allocs_per_iter, total_allocated_bytes, ...) come from jemalloc's counters.
#include <benchmark/benchmark.h>

#include <cstdio>

#include "memory/benchmark_memory.h"
#include "memory/jemalloc_stats.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  if (!chinook::memory::Available()) {
    std::fprintf(stderr, "chinook-bench: warning: not running on jemalloc; bytes_per_op and allocs_per_op read 0\n");
  }
  chinook::memory::JemallocMemoryManager memory_manager;
  benchmark::RegisterMemoryManager(&memory_manager);
  benchmark::AddCustomContext("allocator", chinook::memory::Available() ? "jemalloc" : "other");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::RegisterMemoryManager(nullptr);
  benchmark::Shutdown();
  return 0;
}
