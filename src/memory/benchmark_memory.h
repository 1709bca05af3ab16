// Google Benchmark glue for the jemalloc counters.
//
// Every Chinook benchmark declares a ScopedMemoryCounters before its timed loop; when it goes out
// of scope it sets the user counters
//   bytes_per_op   bytes allocated per iteration by the benchmark's threads (exact, per thread,
//                  averaged over threads)
//   allocs_per_op  allocation calls per iteration, process-wide (exact for single-threaded runs)
// so that the JSON carries allocation figures for every benchmark and the comparison tool can gate
// them. JemallocMemoryManager fills Google Benchmark's own memory fields (allocs_per_iter,
// total_allocated_bytes, net_heap_growth, max_bytes_used) from the same counters.
//
// Thread safety: one ScopedMemoryCounters per benchmark thread; the manager is used by the
// benchmark runner from one thread.
#ifndef CHINOOK_MEMORY_BENCHMARK_MEMORY_H_
#define CHINOOK_MEMORY_BENCHMARK_MEMORY_H_

#include <benchmark/benchmark.h>

#include <cstdint>
#include <optional>

#include "memory/jemalloc_stats.h"

namespace chinook::memory {

class ScopedMemoryCounters {
 public:
  explicit ScopedMemoryCounters(benchmark::State& state);
  ~ScopedMemoryCounters();
  ScopedMemoryCounters(const ScopedMemoryCounters&) = delete;
  ScopedMemoryCounters& operator=(const ScopedMemoryCounters&) = delete;

 private:
  benchmark::State& state_;
  AllocationMeter meter_;
};

class JemallocMemoryManager : public benchmark::MemoryManager {
 public:
  void Start() override;
  void Stop(Result* result) override;
  void Stop(Result& result) override { Stop(&result); }

 private:
  std::optional<AllocationMeter> meter_;
  uint64_t heap_allocated0_ = 0;
};

}  // namespace chinook::memory

#endif  // CHINOOK_MEMORY_BENCHMARK_MEMORY_H_
