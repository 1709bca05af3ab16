// Eviction policies behind LocalCache: plain LRU, and W-TinyLFU as Caffeine implements it.
//
// A policy orders the entries of one cache shard through intrusive list links embedded in each
// entry (PolicyNode), decides which entry leaves when the shard is over capacity, and for
// W-TinyLFU whether a newcomer is admitted at all. It never owns entries: the cache allocates
// them, calls Add/OnHit/Remove, and frees whatever SelectVictim hands back.
//
// W-TinyLFU (Einziger et al., "TinyLFU: A Highly Efficient Cache Admission Policy", 2017;
// Caffeine's BoundedLocalCache): new entries go to a small LRU "window"; an entry pushed out of the
// window becomes a candidate for the "main" area, a segmented LRU (probation + protected). When
// the shard is full, the candidate is admitted only if the frequency sketch rates it above the
// probation LRU victim; a warm candidate that loses still wins with probability 1/128, so an
// attacker cannot pin a hot victim by flooding its sketch counters (hash flooding). A hit in
// probation promotes to protected; protected overflow demotes back to probation. A climber
// (window_climber.h) resizes the window by replaying a sample of the requests through shadow
// caches, so recency-biased workloads get a large window and frequency-biased ones a small one.
//
// Thread safety: not thread-safe; a shard calls its policy under the shard's lock.
#ifndef CHINOOK_CACHE_EVICTION_POLICY_H_
#define CHINOOK_CACHE_EVICTION_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <memory>

namespace chinook::cache {

enum class EvictionPolicyKind {
  kLru,       // least recently used: the baseline, kept to be measured against
  kWTinyLfu,  // window TinyLFU: the production default
};

// Tuning of W-TinyLFU; the defaults are Caffeine's.
struct WTinyLfuOptions {
  // Initial share of the capacity given to the LRU window in front of the main area.
  double window_fraction = 0.01;
  // Share of the main area reserved for entries hit at least twice (the protected segment).
  double protected_fraction = 0.80;
  // Whether the hill climber may move the window size; off keeps the window fixed.
  bool adaptive_window = true;
  // Seed of the generator behind the rare random admission (against hash flooding).
  uint64_t seed = 0x5eed;
};

namespace internal {

enum class Queue : uint8_t { kNone, kWindow, kProbation, kProtected };

// The policy's part of a cache entry. REQUIRES: `hash` is well mixed (see MixHash).
struct PolicyNode {
  PolicyNode* prev = nullptr;
  PolicyNode* next = nullptr;
  uint64_t hash = 0;
  Queue queue = Queue::kNone;
};

class EvictionPolicy {
 public:
  virtual ~EvictionPolicy() = default;

  // A lookup found `node`.
  virtual void OnHit(PolicyNode* node) = 0;
  // Lookups found these nodes, in this order: the same as n calls of OnHit, but free to overlap
  // their memory accesses (the nodes' list neighbours and sketch counters are fetched for all n
  // before any is updated). LocalCache buffers a shard's hits and hands them over in batches.
  virtual void OnHits(PolicyNode* const* nodes, size_t n) {
    for (size_t i = 0; i < n; ++i) OnHit(nodes[i]);
  }
  // A lookup for the key with this hash found nothing (the sketch still counts the request).
  virtual void OnMiss(uint64_t hash) = 0;
  // A new entry joins. The entry's request was already counted by OnMiss, if it had one.
  virtual void Add(PolicyNode* node) = 0;
  // An entry leaves for a reason of the cache's (invalidation, expiry, replacement).
  virtual void Remove(PolicyNode* node) = 0;
  // When the policy holds more entries than its capacity (or `force`, for the cache's byte
  // bound): detaches and returns the entry to evict, which may be the newcomer itself when
  // admission rejects it. nullptr when there is nothing to evict.
  virtual PolicyNode* SelectVictim(bool force) = 0;

  virtual size_t size() const = 0;
  virtual size_t capacity() const = 0;
  // Newcomers refused by admission (always 0 for LRU).
  virtual uint64_t admissions_rejected() const = 0;
  // Current target size of the W-TinyLFU window (0 for LRU); moves with the hill climber.
  virtual size_t window_capacity() const = 0;
  // Sets the window's target size (clamped to [1, capacity - 1]; the main area keeps the rest,
  // its protected share as configured) and moves entries so that the sizes match at once. The
  // climber's shadow caches use it; LocalCache does not. No-op for LRU.
  virtual void ResizeWindow(size_t /*window_entries*/) {}
  // Sets the frequency sketch's aging period in increments per entry (FrequencySketch::SetPeriod).
  // No-op for LRU.
  virtual void SetSketchPeriod(double /*per_entry*/) {}
};

// W-TinyLFU's admission rule: admit a candidate rated above the victim; otherwise admit a warm
// candidate (frequency >= 6) when the low 7 bits of `random` are zero (1 time in 128), so that an
// attacker who keeps a victim's counters saturated cannot lock newcomers out (hash flooding).
bool AdmitCandidate(int candidate_frequency, int victim_frequency, uint64_t random);

class WindowClimber;

// REQUIRES: capacity >= 1.
std::unique_ptr<EvictionPolicy> NewLruPolicy(size_t capacity);
// With options.adaptive_window, the window follows `climber` (shared by the shards of one cache),
// or a climber of its own when none is given.
std::unique_ptr<EvictionPolicy> NewWTinyLfuPolicy(size_t capacity, const WTinyLfuOptions& options,
                                                  std::shared_ptr<WindowClimber> climber = nullptr);
// The largest window share the climber may ask for: all of the cache (the main area keeps one
// entry). Recency-biased workloads want a window of nearly the whole cache, where W-TinyLFU
// behaves as LRU; a cap at the protected segment (80%) leaves them below LRU.
double MaxWindowFraction(const WTinyLfuOptions& options);

}  // namespace internal
}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_EVICTION_POLICY_H_
