#include "benchmark_memory.h"

#include <algorithm>

namespace chinook::memory {

ScopedMemoryCounters::ScopedMemoryCounters(benchmark::State& state, MemoryCounterOptions options)
    : state_(state),
      options_(options),
      process_requests0_(options.helper_threads && state.thread_index() == 0 ? ProcessAllocationRequests() : 0) {}

ScopedMemoryCounters::~ScopedMemoryCounters() {
  if (!Available()) return;  // no figure rather than a 0 that every gate would pass
  const AllocationMeter::Delta d = meter_.Take();
  const double iterations = static_cast<double>(std::max<benchmark::IterationCount>(state_.iterations(), 1));
  const char* bytes_name = options_.timing_dependent ? "varying_bytes_per_op" : "bytes_per_op";
  const char* allocs_name = options_.timing_dependent ? "varying_allocs_per_op" : "allocs_per_op";
  // Each thread reports its own figures per its own iterations; Google Benchmark sums a counter
  // over threads and kAvgThreads turns the sum into the mean, i.e. per iteration overall.
  state_.counters[bytes_name] =
      benchmark::Counter(static_cast<double>(d.bytes_allocated) / iterations, benchmark::Counter::kAvgThreads);
  if (meter_.counts_calls()) {
    state_.counters[allocs_name] =
        benchmark::Counter(static_cast<double>(d.allocations) / iterations, benchmark::Counter::kAvgThreads);
  }
  if (options_.helper_threads) {
    // Process-wide, so only thread 0 reports it: its calls over its iterations, averaged over the
    // threads, are calls per iteration overall.
    const double all = state_.thread_index() == 0
                           ? static_cast<double>(ProcessAllocationRequests() - process_requests0_) / iterations
                           : 0.0;
    state_.counters["process_allocs_per_op"] = benchmark::Counter(all, benchmark::Counter::kAvgThreads);
  }
}

}  // namespace chinook::memory
