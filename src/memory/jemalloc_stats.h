// Allocation counters read from jemalloc through mallctl.
//
// Bytes are exact and per thread: jemalloc keeps cumulative thread.allocated / thread.deallocated
// counters, read here through the pointers thread.allocatedp / thread.deallocatedp (one load, no
// locking). Allocation *calls* jemalloc counts per arena, not per thread (with the thread cache on,
// an arena's nmalloc counts bin refills rather than calls, so we read
// stats.arenas.<i>.{small,large}.nrequests after flushing the calling thread's cache, since
// requests served from a thread cache reach the arena statistics only when the cache flushes, and
// an `epoch` refresh). AllocationMeter makes the count per thread by lending the measured thread an
// arena of its own; ProcessAllocationRequests() sums every arena and so counts every thread, and is
// exact only while no other thread allocates.
//
// When the process does not run on jemalloc (a sanitizer build, say), Available() is false and
// every reading is zero. Linking jemalloc is the binary's choice (chinook-bench and chinook-tests do);
// this library only looks for mallctl.
//
// Thread safety: every function may be called from any thread; an AllocationMeter belongs to the
// thread that made it.
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

// Process-wide count of allocation calls (small + large nrequests of every arena), after flushing
// this thread's cache and an epoch refresh. Another live thread's calls arrive only when its cache
// flushes (on its own schedule; at the latest when it exits), so a difference of two readings is
// exact only for threads that have exited or do not allocate. Costs a flush and a merge of all
// arenas' statistics (microseconds): call it outside timed regions.
uint64_t ProcessAllocationRequests();

// Heap totals after an epoch refresh: bytes in live allocations, in active pages, and resident.
struct HeapStats {
  uint64_t allocated = 0;
  uint64_t active = 0;
  uint64_t resident = 0;
};
Result<HeapStats> ReadHeapStats();

// The allocation work of the calling thread between construction and Take(): the bytes it
// allocated and freed and the allocation calls it made, all three exact whatever other threads do.
//
// jemalloc has no per-thread call count, so the meter lends the thread a manual arena
// ("arenas.create") for its lifetime and counts that arena's requests: jemalloc never hands a
// manual arena to another thread, and threads the measured one starts choose their own (automatic)
// arenas, so they are not counted. Arenas cannot be destroyed while memory lives in them; they are
// kept in a process-wide pool and lent again, so the number created is the most threads measured
// at once. The destructor gives the thread its previous arena back. A meter made while the thread
// already holds one shares the lent arena (nested meters count the same calls).
//
// Memory allocated under the meter lives in the lent arena; freeing it later from any thread is
// fine. Allocations of jemalloc's own (statistics, arena metadata) are not requests and are not
// counted, so a meter around code that does not allocate reads 0 calls.
//
// Thread safety: construct, Take() and destroy on one thread.
class AllocationMeter {
 public:
  AllocationMeter();  // lends the arena, then takes the starting snapshot
  ~AllocationMeter();
  AllocationMeter(const AllocationMeter&) = delete;
  AllocationMeter& operator=(const AllocationMeter&) = delete;

  struct Delta {
    uint64_t bytes_allocated = 0;
    uint64_t bytes_freed = 0;
    uint64_t allocations = 0;
  };
  Delta Take() const;

  // True when the calls are counted for this thread alone. False without jemalloc (every figure
  // is 0) or when jemalloc refused an arena (allocations read 0; the bytes are still exact).
  bool counts_calls() const { return arena_ != kNoArena; }

 private:
  static constexpr unsigned kNoArena = ~0u;
  unsigned arena_ = kNoArena;
  uint64_t allocated0_ = 0;
  uint64_t deallocated0_ = 0;
  uint64_t requests0_ = 0;
};

}  // namespace chinook::memory

#endif  // CHINOOK_MEMORY_JEMALLOC_STATS_H_
