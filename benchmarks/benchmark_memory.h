// Google Benchmark glue for the jemalloc counters (target chinook_benchmark_memory; the counters
// themselves, chinook_memory, do not depend on Google Benchmark).
//
// Every Chinook benchmark declares a ScopedMemoryCounters before its timed loop; when it goes out
// of scope it sets user counters, so that the JSON carries allocation figures for every benchmark
// and the comparison tool can gate them:
//
//   bytes_per_op   bytes allocated per iteration by the benchmark's threads (thread.allocatedp)
//   allocs_per_op  allocation calls per iteration by the benchmark's threads (each thread counted
//                  alone in an arena lent to it, see AllocationMeter)
//
// Both are exact counts of what the benchmark's own threads (Google Benchmark's, one or
// ->Threads(n)) did, whatever other threads do at the time: a listener left running by an earlier
// benchmark, a helper the benchmark started. Averaged over the threads, they are per iteration of
// the whole benchmark. They repeat from run to run of the same code when the threads' work does
// not depend on timing, and the gates file judges them as exact counts (any increase beyond a
// per-run slack is a change): one extra allocation per op is caught.
//
// Which figure is exact for which benchmark (measured: identical totals over repetitions and
// processes, up to the one-off allocations of a run's first iterations):
//   - deterministic work: bytes_per_op and allocs_per_op, exact and repeatable. BM_Serialize*,
//     BM_Cache_HitRate_*, BM_LocalCache_Get and BM_MutexUnorderedMap_Get (1 and 2 threads),
//     BM_Redis_* (the client's thread alone), BM_Repo_* except _Copy, and BM_Cache_Stampede's
//     coordinating thread.
//   - work whose allocations depend on other threads' timing (MemoryCounterOptions::
//     timing_dependent): the same counts are reported as varying_bytes_per_op and
//     varying_allocs_per_op, which the gates file judges statistically like any *_per_op figure.
//     BM_Soak_ServiceMix and _Leaky, BM_Service_GetByID_Zipf (Redis invalidations, delivered on
//     the listener's thread, decide whether the benchmark thread's next read hits L1), and
//     BM_Repo_CreateBatch_Copy (libpq's output buffer grows as far as the server falls behind),
//     and BM_Pool_Contention (8 threads, each counted alone, but what waiting for a connection
//     costs depends on how they interleave: 23.607-23.614 allocations per read over 5
//     repetitions).
//   - work done on threads the benchmark starts (MemoryCounterOptions::helper_threads): also
//     process_allocs_per_op, every thread's calls per iteration, read process-wide after the
//     helpers exited; it includes any other thread alive in the process, so it varies and is
//     judged statistically. BM_Cache_Stampede, whose 64 loader threads are not Google
//     Benchmark's.
// Without jemalloc (sanitizer builds) no memory counter is set at all: a figure of 0 would pass
// every allocation gate in silence; an absent one fails it.
//
// Google Benchmark's own memory fields (allocs_per_iter, max_bytes_used, total_allocated_bytes,
// net_heap_growth; a benchmark::MemoryManager) are not used: Google Benchmark 1.7.1, Debian 12's,
// writes them through a dangling pointer in every repetition but the last (google/benchmark#1941),
// so the JSON would carry garbage beside the sound figures above.
//
// Thread safety: one ScopedMemoryCounters per benchmark thread, made and destroyed on that thread.
#ifndef CHINOOK_MEMORY_BENCHMARK_MEMORY_H_
#define CHINOOK_MEMORY_BENCHMARK_MEMORY_H_

#include <benchmark/benchmark.h>

#include <cstdint>

#include "memory/jemalloc_stats.h"

namespace chinook::memory {

struct MemoryCounterOptions {
  // The benchmark threads' allocations depend on the timing of other threads (a listener that
  // invalidates what they read, a server that drains their buffers at its own pace), so the counts
  // vary between runs of the same code: they are reported as varying_bytes_per_op /
  // varying_allocs_per_op, judged statistically instead of as exact counts. Default false: an
  // exact count is the sharper gate.
  bool timing_dependent = false;
  // Threads the benchmark starts itself do part of its work: also report process_allocs_per_op.
  // REQUIRES: the helpers have exited when the counters go out of scope (their cached calls reach
  // the statistics at exit). Default false: the figure includes unrelated threads.
  bool helper_threads = false;
};

class ScopedMemoryCounters {
 public:
  explicit ScopedMemoryCounters(benchmark::State& state, MemoryCounterOptions options = {});
  ~ScopedMemoryCounters();
  ScopedMemoryCounters(const ScopedMemoryCounters&) = delete;
  ScopedMemoryCounters& operator=(const ScopedMemoryCounters&) = delete;

 private:
  benchmark::State& state_;
  const MemoryCounterOptions options_;
  const uint64_t process_requests0_;  // 0 unless options_.helper_threads
  AllocationMeter meter_;
};

}  // namespace chinook::memory

#endif  // CHINOOK_MEMORY_BENCHMARK_MEMORY_H_
