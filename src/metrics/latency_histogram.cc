#include "metrics/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace chinook::metrics {

int LatencyHistogram::BucketOf(uint64_t nanos) {
  if (nanos < kSubBuckets) return static_cast<int>(nanos);  // exact below 16 ns
  const int exponent = std::bit_width(nanos) - 1;           // >= 4
  if (exponent > kMaxExponent) return kBuckets - 1;
  const int sub = static_cast<int>((nanos >> (exponent - 4)) & (kSubBuckets - 1));
  return (exponent - 3) * kSubBuckets + sub;
}

uint64_t LatencyHistogram::BucketUpperBound(int bucket) {
  if (bucket < kSubBuckets) return static_cast<uint64_t>(bucket);
  const int exponent = bucket / kSubBuckets + 3;
  const uint64_t sub = static_cast<uint64_t>(bucket % kSubBuckets);
  // Values with this exponent and sub-bucket: [ (16 + sub) << (e - 4), (17 + sub) << (e - 4) ).
  return ((kSubBuckets + sub + 1) << (exponent - 4)) - 1;
}

void LatencyHistogram::Record(std::chrono::nanoseconds latency) {
  const uint64_t nanos = latency.count() < 0 ? 0 : static_cast<uint64_t>(latency.count());
  buckets_[BucketOf(nanos)].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_nanos_.fetch_add(nanos, std::memory_order_relaxed);
}

LatencyHistogram::Snapshot LatencyHistogram::Take() const {
  Snapshot s;
  s.buckets.resize(kBuckets);
  for (int i = 0; i < kBuckets; ++i) {
    s.buckets[i] = buckets_[i].load(std::memory_order_relaxed);
    s.count += s.buckets[i];
  }
  s.sum_seconds = static_cast<double>(sum_nanos_.load(std::memory_order_relaxed)) * 1e-9;
  return s;
}

double LatencyHistogram::Snapshot::Quantile(double q) const {
  if (count == 0) return 0.0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the quantile among `count` values, 1-based (nearest-rank definition).
  const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count))));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += buckets[i];
    if (seen >= rank) return static_cast<double>(BucketUpperBound(i)) * 1e-9;
  }
  return static_cast<double>(BucketUpperBound(kBuckets - 1)) * 1e-9;
}

}  // namespace chinook::metrics
