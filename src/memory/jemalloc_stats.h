// Allocation counters read from jemalloc through mallctl.
//
// Bytes are exact and per thread: jemalloc keeps cumulative thread.allocated / thread.deallocated
// counters, read here through the pointers thread.allocatedp / thread.deallocatedp (one load, no
// locking). Allocation *counts* are process-wide: with the thread cache on, an arena's nmalloc
// counts bin refills rather than calls, so we read stats.arenas.<all>.{small,large}.nrequests,
// after flushing the calling thread's cache (requests served from a thread cache reach the arena
// statistics only when the cache fills or flushes) and an `epoch` refresh. A count is therefore
// exact only while no other thread allocates, as in a single-threaded benchmark.
//
// When the process does not run on jemalloc (a sanitizer build, say), Available() is false and
// every reading is zero. Linking jemalloc is the binary's choice (chinook-bench and chinook-tests do);
// this library only looks for mallctl.
//
// Thread safety: every function may be called from any thread.
#ifndef CHINOOK_MEMORY_JEMALLOC_STATS_H_
#define CHINOOK_MEMORY_JEMALLOC_STATS_H_

#include <cstdint>

#include "chinook/status.h"

namespace chinook::memory {

// True when malloc is jemalloc and its statistics are compiled in.
bool Available();

// Cumulative bytes this thread has allocated / freed since it started (0 without jemalloc).
uint64_t ThreadAllocatedBytes();
uint64_t ThreadDeallocatedBytes();

// Process-wide count of allocation calls (small + large nrequests), after flushing this thread's
// cache and an epoch refresh. Costs a flush and a merge of all arenas' statistics (microseconds):
// call it outside timed regions.
uint64_t ProcessAllocationRequests();

// Heap totals after an epoch refresh: bytes in live allocations, in active pages, and resident.
struct HeapStats {
  uint64_t allocated = 0;
  uint64_t active = 0;
  uint64_t resident = 0;
};
Result<HeapStats> ReadHeapStats();

// The allocation work done between construction and Take() on the calling thread:
// bytes allocated by this thread and process-wide allocation calls.
class AllocationMeter {
 public:
  AllocationMeter();  // takes the starting snapshot

  struct Delta {
    uint64_t bytes_allocated = 0;
    uint64_t bytes_freed = 0;
    uint64_t allocations = 0;
  };
  Delta Take() const;

 private:
  uint64_t allocated0_;
  uint64_t deallocated0_;
  uint64_t requests0_;
};

}  // namespace chinook::memory

#endif  // CHINOOK_MEMORY_JEMALLOC_STATS_H_
