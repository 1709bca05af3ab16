// A count-min sketch of 4-bit counters that estimates how often a key was seen recently: the
// frequency half of W-TinyLFU (Einziger, Friedman, Manes, "TinyLFU: A Highly Efficient Cache
// Admission Policy", 2017), laid out as Caffeine's FrequencySketch.
//
// Each 64-bit word holds sixteen 4-bit counters; a key selects four words (depth 4) and one
// counter in each, and its estimate is the minimum of the four. Counters saturate at 15. After
// `sample_size` increments (10 x the cache's capacity by default; see SetPeriod) every counter is halved, so the sketch
// forgets old popularity and follows a shifting workload ("aging", the "reset" of the paper).
//
// Thread safety: not thread-safe; each cache shard owns one and uses it under its lock.
#ifndef CHINOOK_CACHE_FREQUENCY_SKETCH_H_
#define CHINOOK_CACHE_FREQUENCY_SKETCH_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace chinook::cache::internal {

class FrequencySketch {
 public:
  // For a cache of `capacity` entries. The table is allocated by Initialize(), which the policy
  // calls once the cache is half full (as Caffeine does): a cache configured large but holding
  // little does not pay for counters, and before it is half full nothing is evicted, so nothing
  // needs a frequency. Until then Frequency() is 0 and Increment() does nothing.
  explicit FrequencySketch(size_t capacity);

  // Allocates one 64-bit word (16 counters) per entry, rounded up to a power of two: Caffeine's
  // 8 bytes per entry.
  void Initialize();
  bool initialized() const { return !table_.empty(); }

  // Estimated number of recent occurrences of the key with this (well-mixed) hash, in [0, 15].
  int Frequency(uint64_t hash) const;

  // Asks the CPU to fetch the key's four counters, ahead of an Increment soon after.
  void Prefetch(uint64_t hash) const {
    if (!initialized()) return;
    for (int i = 0; i < 4; ++i) __builtin_prefetch(&table_[IndexOf(hash, i)], 1);
  }

  // Counts one occurrence; may trigger the periodic halving.
  void Increment(uint64_t hash);

  // Halve every `per_entry` x capacity increments from now on (default kDefaultPeriodPerEntry):
  // a longer period remembers more history (better on a steady skew), a shorter one forgets
  // faster (better when popularity shifts). The climber picks it. REQUIRES: per_entry > 0.
  void SetPeriod(double per_entry);
  static constexpr double kDefaultPeriodPerEntry = 10;  // Caffeine's

  // Increments counted since the last halving (for tests and statistics).
  size_t sample_count() const { return size_; }
  size_t sample_size() const { return sample_size_; }
  // How many times every counter was halved.
  uint64_t resets() const { return resets_; }

 private:
  // Odd 64-bit constants, one per row of the sketch, so that the four rows index independently.
  static constexpr uint64_t kRowSeeds[4] = {0x97cb3127f0a1c3d5ULL, 0xbf58476d1ce4e5b9ULL,
                                            0x94d049bb133111ebULL, 0xc2b2ae3d27d4eb4fULL};
  size_t IndexOf(uint64_t hash, int depth) const {
    uint64_t h = (hash + kRowSeeds[depth]) * kRowSeeds[depth];
    h ^= h >> 32;
    return static_cast<size_t>(h) & mask_;
  }
  bool IncrementAt(size_t index, int counter);
  void Reset();

  const size_t capacity_;
  std::vector<uint64_t> table_;
  size_t mask_ = 0;
  size_t sample_size_;
  size_t size_ = 0;
  uint64_t resets_ = 0;
};

// A 64-bit finalizer (splitmix64 / Stafford variant 13) that spreads weak hashes such as
// std::hash<uint64_t>, the identity, over all bits before they index the sketch or the shards.
inline uint64_t MixHash(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace chinook::cache::internal

#endif  // CHINOOK_CACHE_FREQUENCY_SKETCH_H_
