#include "memory/jemalloc_stats.h"

#include <cstddef>
#include <string>

// Declared weak so that this library links into binaries that do not use jemalloc (sanitizer
// builds); there mallctl is null and every reading is zero.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace chinook::memory {
namespace {

// MALLCTL_ARENAS_ALL: the pseudo-arena index that sums every arena (jemalloc 5).
constexpr const char* kSmallRequests = "stats.arenas.4096.small.nrequests";
constexpr const char* kLargeRequests = "stats.arenas.4096.large.nrequests";

template <typename T>
bool Read(const char* name, T* out) {
  if (mallctl == nullptr) return false;
  size_t len = sizeof(T);
  return mallctl(name, out, &len, nullptr, 0) == 0;
}

// Statistics are snapshots refreshed by writing to "epoch".
bool RefreshEpoch() {
  if (mallctl == nullptr) return false;
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  return mallctl("epoch", &epoch, &len, &epoch, len) == 0;
}

// thread.allocatedp points at a per-thread counter that lives as long as the thread.
const uint64_t* ThreadCounter(const char* name) {
  uint64_t* p = nullptr;
  return Read(name, &p) ? p : nullptr;
}

}  // namespace

bool Available() {
  bool stats = false;
  return Read("config.stats", &stats) && stats;
}

uint64_t ThreadAllocatedBytes() {
  thread_local const uint64_t* counter = ThreadCounter("thread.allocatedp");
  return counter ? *counter : 0;
}

uint64_t ThreadDeallocatedBytes() {
  thread_local const uint64_t* counter = ThreadCounter("thread.deallocatedp");
  return counter ? *counter : 0;
}

uint64_t ProcessAllocationRequests() {
  // Requests served from a thread cache reach the arena statistics only when that cache fills or
  // flushes; flushing the calling thread's cache makes its count exact (measured: without it, 100
  // small allocations read as 0). Other threads' caches are not reachable from here.
  if (mallctl == nullptr || mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0) != 0) return 0;
  if (!RefreshEpoch()) return 0;
  uint64_t small = 0, large = 0;
  Read(kSmallRequests, &small);
  Read(kLargeRequests, &large);
  return small + large;
}

Result<HeapStats> ReadHeapStats() {
  if (!Available()) return FailedPreconditionError("jemalloc statistics are not available in this process");
  if (!RefreshEpoch()) return InternalError("mallctl(\"epoch\") failed");
  HeapStats h;
  size_t v = 0;
  if (!Read("stats.allocated", &v)) return InternalError("mallctl(\"stats.allocated\") failed");
  h.allocated = v;
  if (!Read("stats.active", &v)) return InternalError("mallctl(\"stats.active\") failed");
  h.active = v;
  if (!Read("stats.resident", &v)) return InternalError("mallctl(\"stats.resident\") failed");
  h.resident = v;
  return h;
}

AllocationMeter::AllocationMeter()
    : allocated0_(ThreadAllocatedBytes()),
      deallocated0_(ThreadDeallocatedBytes()),
      requests0_(ProcessAllocationRequests()) {
  // Re-read the byte counters: the epoch refresh above may itself have allocated.
  allocated0_ = ThreadAllocatedBytes();
  deallocated0_ = ThreadDeallocatedBytes();
}

AllocationMeter::Delta AllocationMeter::Take() const {
  Delta d;
  d.bytes_allocated = ThreadAllocatedBytes() - allocated0_;
  d.bytes_freed = ThreadDeallocatedBytes() - deallocated0_;
  d.allocations = ProcessAllocationRequests() - requests0_;
  return d;
}

}  // namespace chinook::memory
