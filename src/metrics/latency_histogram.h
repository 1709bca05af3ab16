// A lock-free latency histogram for monitoring: log-linear buckets (16 per power of two, so any
// quantile is within 1/16 = 6.25% of the true value) from 1 ns to about 18 minutes.
//
// Thread safety: Record may be called concurrently from any number of threads (relaxed atomic
// increments); Take returns a consistent-enough snapshot for monitoring (counts recorded during
// the snapshot may or may not be in it).
#ifndef CHINOOK_METRICS_LATENCY_HISTOGRAM_H_
#define CHINOOK_METRICS_LATENCY_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

namespace chinook::metrics {

class LatencyHistogram {
 public:
  static constexpr int kSubBuckets = 16;  // per power of two: 6.25% resolution
  static constexpr int kMaxExponent = 40;  // 2^40 ns ~ 18 minutes; longer values land in the last bucket
  static constexpr int kBuckets = (kMaxExponent - 3) * kSubBuckets + kSubBuckets;

  void Record(std::chrono::nanoseconds latency);

  struct Snapshot {
    uint64_t count = 0;
    double sum_seconds = 0;
    std::vector<uint64_t> buckets;  // kBuckets counts

    // The q-quantile (0 <= q <= 1) in seconds: the upper bound of the bucket that holds it; 0 when
    // nothing was recorded.
    double Quantile(double q) const;
  };
  Snapshot Take() const;

  // Exposed for tests: the bucket of a value and the largest value a bucket holds.
  static int BucketOf(uint64_t nanos);
  static uint64_t BucketUpperBound(int bucket);

 private:
  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_nanos_{0};
};

}  // namespace chinook::metrics

#endif  // CHINOOK_METRICS_LATENCY_HISTOGRAM_H_
