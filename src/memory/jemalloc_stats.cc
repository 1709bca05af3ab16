#include "memory/jemalloc_stats.h"

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

#include "common/mutex.h"

// Declared weak so that this library links into binaries that do not use jemalloc (sanitizer
// builds); there mallctl is null and every reading is zero.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace chinook::memory {
namespace {

// MALLCTL_ARENAS_ALL: the pseudo-arena index that sums every arena (jemalloc 5).
constexpr unsigned kAllArenas = 4096;

// Buffer for "stats.arenas.<index>.{small,large}.nrequests": formatted in place, because a
// std::string would allocate inside the measured window.
constexpr size_t kNameBytes = 64;

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


// Makes this thread's cached requests visible in its arena's statistics. Fails (harmlessly: every
// request then reaches the arena directly) when the thread cache is off.
void FlushThreadCache() {
  if (mallctl != nullptr) mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
}

// small + large nrequests of `arena` (an index or MALLCTL_ARENAS_ALL), after a flush of this
// thread's cache and an epoch refresh; 0 when any step fails.
uint64_t ArenaRequests(unsigned arena) {
  FlushThreadCache();
  if (!RefreshEpoch()) return 0;
  char small_name[kNameBytes], large_name[kNameBytes];
  std::snprintf(small_name, sizeof small_name, "stats.arenas.%u.small.nrequests", arena);
  std::snprintf(large_name, sizeof large_name, "stats.arenas.%u.large.nrequests", arena);
  uint64_t small = 0, large = 0;
  if (!Read(small_name, &small) || !Read(large_name, &large)) return 0;
  return small + large;
}

// Manual arenas lent to measured threads. Never destroyed: threads may still hold one at exit.
class ArenaPool {
 public:
  static ArenaPool& Get() {
    static ArenaPool* pool = new ArenaPool;
    return *pool;
  }
  // An arena no other meter holds, or false when jemalloc refuses to create one.
  bool Acquire(unsigned* arena) {
    MutexLock lock(&mu_);
    if (!free_.empty()) {
      *arena = free_.back();
      free_.pop_back();
      return true;
    }
    if (mallctl == nullptr) return false;
    size_t len = sizeof(*arena);
    return mallctl("arenas.create", arena, &len, nullptr, 0) == 0;
  }
  void Release(unsigned arena) {
    MutexLock lock(&mu_);
    free_.push_back(arena);
  }

 private:
  Mutex mu_;
  std::vector<unsigned> free_ CHINOOK_GUARDED_BY(mu_);
};

// The arena lent to this thread and how many meters on it share the loan.
struct ThreadLoan {
  unsigned arena = 0;
  unsigned previous = 0;  // the thread's arena before the loan, given back when it ends
  int meters = 0;
};
thread_local ThreadLoan t_loan;

// Binds the calling thread to `arena`; stores its previous arena in *previous.
bool BindThread(unsigned arena, unsigned* previous) {
  size_t len = sizeof(*previous);
  return mallctl("thread.arena", previous, &len, &arena, sizeof(arena)) == 0;
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

uint64_t ProcessAllocationRequests() { return ArenaRequests(kAllArenas); }

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

AllocationMeter::AllocationMeter() {
  if (mallctl != nullptr) {
    if (t_loan.meters > 0) {
      arena_ = t_loan.arena;
      ++t_loan.meters;
    } else {
      unsigned arena = 0, previous = 0;
      if (ArenaPool::Get().Acquire(&arena)) {
        if (BindThread(arena, &previous)) {
          t_loan = {arena, previous, 1};
          arena_ = arena;
        } else {
          ArenaPool::Get().Release(arena);
        }
      }
    }
  }
  if (arena_ != kNoArena) requests0_ = ArenaRequests(arena_);
  // Last, so that the set-up above (the pool's vector, say) is not counted.
  allocated0_ = ThreadAllocatedBytes();
  deallocated0_ = ThreadDeallocatedBytes();
}

AllocationMeter::~AllocationMeter() {
  if (arena_ == kNoArena || --t_loan.meters > 0) return;
  unsigned lent = 0;
  // Flushing first puts the thread's cached requests on the lent arena's account before it goes
  // back to the pool, so that the next borrower's starting snapshot is already settled.
  FlushThreadCache();
  if (BindThread(t_loan.previous, &lent)) ArenaPool::Get().Release(arena_);
  // If rebinding failed the thread keeps the arena and the pool forgets it: no other meter can
  // borrow an arena a thread still allocates from.
}

AllocationMeter::Delta AllocationMeter::Take() const {
  Delta d;
  d.bytes_allocated = ThreadAllocatedBytes() - allocated0_;
  d.bytes_freed = ThreadDeallocatedBytes() - deallocated0_;
  if (arena_ != kNoArena) d.allocations = ArenaRequests(arena_) - requests0_;
  return d;
}

}  // namespace chinook::memory
