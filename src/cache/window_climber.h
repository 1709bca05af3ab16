// The hill climber that sizes W-TinyLFU's window, shared by all shards of one cache.
//
// Caffeine's climber (BoundedLocalCache.climb): after each sample of 10 x capacity requests,
// compare the sample's hit rate with the previous one; keep moving the window in the direction
// that raised it, with a step that decays by 2% per sample, and restart with a step of 6.25% of
// the capacity when the hit rate jumps by 5 points or more (the workload changed). The first
// step shrinks the window.
//
// A sharded cache climbs once for all its shards, on the hit rate of all their requests: a
// shard's own sample is shards-times smaller and its hit rate so much noisier that each shard's
// window would wander at random on a steady workload (on the Zipf benchmark that costs about
// half a point of hit rate). Shards report their hits and misses in batches and read the target
// back as a fraction of their own capacity.
//
// Thread safety: all methods may be called concurrently.
#ifndef CHINOOK_CACHE_WINDOW_CLIMBER_H_
#define CHINOOK_CACHE_WINDOW_CLIMBER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace chinook::cache::internal {

class WindowClimber {
 public:
  // `capacity`: entries of the whole cache. The window's share starts at `initial_fraction` and
  // stays within [0, max_fraction] (max: the window plus all of the protected segment); shards
  // keep at least one window entry whatever the share.
  WindowClimber(size_t capacity, double initial_fraction, double max_fraction);

  // Adds a shard's requests since its last report; may complete a sample and move the target.
  void Record(uint64_t hits, uint64_t misses);

  // The window's target share of the capacity, and a number that changes whenever it does.
  double window_fraction() const { return fraction_.load(std::memory_order_relaxed); }
  uint64_t version() const { return version_.load(std::memory_order_acquire); }

 private:
  const double sample_size_;
  const double max_fraction_;
  std::mutex mu_;
  uint64_t hits_ = 0;              // GUARDED_BY(mu_)
  uint64_t misses_ = 0;            // GUARDED_BY(mu_)
  double previous_hit_rate_ = 0;   // GUARDED_BY(mu_)
  double step_;                    // GUARDED_BY(mu_): signed share of the capacity
  std::atomic<double> fraction_;
  std::atomic<uint64_t> version_{0};
};

}  // namespace chinook::cache::internal

#endif  // CHINOOK_CACHE_WINDOW_CLIMBER_H_
