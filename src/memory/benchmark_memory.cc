#include "memory/benchmark_memory.h"

#include <algorithm>

namespace chinook::memory {

ScopedMemoryCounters::ScopedMemoryCounters(benchmark::State& state) : state_(state) {}

ScopedMemoryCounters::~ScopedMemoryCounters() {
  const AllocationMeter::Delta d = meter_.Take();
  const double iterations = static_cast<double>(std::max<benchmark::IterationCount>(state_.iterations(), 1));
  // Google Benchmark sums a counter over threads; kAvgThreads turns the sum into the mean.
  state_.counters["bytes_per_op"] =
      benchmark::Counter(static_cast<double>(d.bytes_allocated) / iterations, benchmark::Counter::kAvgThreads);
  // The request count is process-wide, so only thread 0 reports it, as total calls over this
  // thread's iterations; averaged over the threads that gives calls per iteration overall.
  const double allocs = state_.thread_index() == 0 ? static_cast<double>(d.allocations) / iterations : 0.0;
  state_.counters["allocs_per_op"] = benchmark::Counter(allocs, benchmark::Counter::kAvgThreads);
}

void JemallocMemoryManager::Start() {
  auto heap = ReadHeapStats();
  heap_allocated0_ = heap.ok() ? heap->allocated : 0;
  meter_.emplace();
}

void JemallocMemoryManager::Stop(Result* result) {
  if (!meter_) return;
  const AllocationMeter::Delta d = meter_->Take();
  meter_.reset();
  result->num_allocs = static_cast<int64_t>(d.allocations);
  result->total_allocated_bytes = static_cast<int64_t>(d.bytes_allocated);
  result->net_heap_growth = static_cast<int64_t>(d.bytes_allocated) - static_cast<int64_t>(d.bytes_freed);
  // jemalloc keeps no peak; the heap's growth over the run is the best lower bound we have.
  auto heap = ReadHeapStats();
  const int64_t growth = heap.ok() ? static_cast<int64_t>(heap->allocated) - static_cast<int64_t>(heap_allocated0_) : 0;
  result->max_bytes_used = std::max<int64_t>({growth, result->net_heap_growth, 0});
}

}  // namespace chinook::memory
