// The climber that sizes W-TinyLFU's window and its sketch's aging period, shared by all shards
// of one cache.
//
// Caffeine's climber compares the hit rate of successive samples of 10 x capacity requests and
// steps the window by decaying 6.25% steps. Two samples at different times differ by the
// workload's drift as much as by the window, so it needs many samples to find its way: on a trace
// of 13 samples it cannot, and it never lets the window past 80% of the cache, where
// recency-biased traces want it (issue 12: below LRU there).
//
// This climber follows the "minisim" idea of Einziger, Eytan, Friedman and Manes ("Adaptive
// Software Cache Management", Middleware 2018): it replays a sample of the requests through
// small shadow W-TinyLFU caches and moves the real window to the configuration that does
// better. With two shadows probing one step below and one step above the current window, on the
// same requests at the same time, the comparison is paired: drift cancels, and what remains is
// judged by batch means (the difference of the shadows' hits over successive batches, a move
// once its mean is two standard errors from zero). Steps double while the direction holds and
// halve when it turns, so the window crosses the whole range in a few moves and then settles.
//
// Sampling is by key hash (as SHARDS, Waldspurger et al., FAST 2015): a key is in the sample or
// not for its whole life, so each shadow sees the reuse pattern of its keys intact, at a
// capacity scaled by the sampling rate. The rate is the largest power of two 1/2^k that leaves
// each shadow at least kMinShadowEntries entries; a cache smaller than twice that is shadowed
// whole (three policy updates per request instead of one: the price of adapting on short traces).
//
// The same paired probing sizes the frequency sketch's aging period (issue 12: "whether the
// reset interval should adapt too"). Caffeine halves the counters every 10 x capacity requests;
// on a steady skew that forgets too soon (a key at the edge of the cache is seen about once per
// period, too few times to tell it from a one-off), while on shifting popularity a longer memory
// keeps yesterday's favourites. Measured on the full P6 trace at 100,000 entries, doubling the
// period cost 1.3 points; on Zipf 0.99 it gained 0.5. So two more shadows run at the current
// window with half and twice the current period, and the period moves by factors of two within
// [kMinPeriod, kMaxPeriod] on the same batch-means evidence. Cost: four shadow updates per
// sampled request.
//
// Thread safety: all methods may be called concurrently.
#ifndef CHINOOK_CACHE_WINDOW_CLIMBER_H_
#define CHINOOK_CACHE_WINDOW_CLIMBER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "common/mutex.h"

namespace chinook::cache::internal {

class WindowClimber {
 public:
  // `capacity`: entries of the whole cache. The window's share starts at `initial_fraction` and
  // stays within [0, max_fraction]; shards keep at least one window entry and one main entry.
  WindowClimber(size_t capacity, double initial_fraction, double max_fraction);
  ~WindowClimber();

  // Whether requests for the key with this (well-mixed) hash go to Observe.
  bool Samples(uint64_t hash) const { return ((hash >> kSampleShift) & sample_mask_) == 0; }
  // One sampled request, hit or miss in the real cache alike. May move the target. Dropped when
  // another thread is observing (shards never wait for the climber).
  void Observe(uint64_t hash) CHINOOK_EXCLUDES(mu_);

  // The window's target share of the capacity, the sketch's target aging period (increments per
  // entry, FrequencySketch::SetPeriod), and a number that changes whenever either does.
  double window_fraction() const { return fraction_.load(std::memory_order_relaxed); }
  double sketch_period() const { return period_.load(std::memory_order_relaxed); }
  uint64_t version() const { return version_.load(std::memory_order_acquire); }
  // Entries of each shadow cache (the capacity times the sampling rate).
  size_t shadow_capacity() const { return shadow_capacity_; }

 private:
  class Shadow;
  // Evidence from two shadows that see the same requests: which of them hits more.
  struct PairedEvidence {
    uint64_t checks = 0;            // batches since the last reset
    int64_t difference = 0;         // hits of the second shadow minus hits of the first
    uint64_t discordant = 0;        // requests where exactly one shadow hit
    int64_t batch_start_difference = 0;
    double batch_sum = 0;
    double batch_sum_sq = 0;
    void Record(bool first_hit, bool second_hit);
    // Closes a batch. +1: the second shadow is significantly better, -1: the first, 0: not yet
    // (the evidence restarts after kMaxChecks batches without a verdict).
    int CloseBatch();
    void Reset() { *this = PairedEvidence(); }
  };

  // The sample bits sit above the sketch's (low) and below the shards' (top) bits.
  static constexpr int kSampleShift = 24;

  void ObserveLocked(uint64_t hash) CHINOOK_REQUIRES(mu_);
  void MoveWindow(int direction) CHINOOK_REQUIRES(mu_);
  void MovePeriod(int direction) CHINOOK_REQUIRES(mu_);
  // Puts the probing shadows one step either side of the current target again.
  void Recenter() CHINOOK_REQUIRES(mu_);

  const uint64_t sample_mask_;
  const size_t shadow_capacity_;
  const double max_fraction_;
  const uint64_t check_every_;
  Mutex mu_;
  // The window probe: windows one step either side of the target, the sketch period at its target.
  std::unique_ptr<Shadow> below_ CHINOOK_GUARDED_BY(mu_);  // window at fraction - step
  std::unique_ptr<Shadow> above_ CHINOOK_GUARDED_BY(mu_);  // window at fraction + step
  // The period probe: sketch periods half and twice the target, the window at its target.
  std::unique_ptr<Shadow> shorter_ CHINOOK_GUARDED_BY(mu_);
  std::unique_ptr<Shadow> longer_ CHINOOK_GUARDED_BY(mu_);
  double step_ CHINOOK_GUARDED_BY(mu_);                    // share of the capacity
  int last_direction_ CHINOOK_GUARDED_BY(mu_) = 0;
  uint64_t requests_ CHINOOK_GUARDED_BY(mu_) = 0;  // since the last batch closed
  PairedEvidence window_evidence_ CHINOOK_GUARDED_BY(mu_);  // below_ vs above_
  PairedEvidence period_evidence_ CHINOOK_GUARDED_BY(mu_);  // shorter_ vs longer_
  std::atomic<double> fraction_;
  std::atomic<double> period_;
  std::atomic<uint64_t> version_{0};
};

}  // namespace chinook::cache::internal

#endif  // CHINOOK_CACHE_WINDOW_CLIMBER_H_
