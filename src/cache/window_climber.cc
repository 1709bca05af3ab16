#include "cache/window_climber.h"

#include <algorithm>
#include <cmath>

namespace chinook::cache::internal {
namespace {

// Caffeine's constants (BoundedLocalCache).
constexpr double kSamplePerEntry = 10;         // a sample is 10 x capacity requests
constexpr double kRestartThreshold = 0.05;     // a hit-rate jump this large restarts the steps
constexpr double kStepPercent = 0.0625;        // restart step: 6.25% of capacity
constexpr double kStepDecayRate = 0.98;        // otherwise each step shrinks by 2%

}  // namespace

WindowClimber::WindowClimber(size_t capacity, double initial_fraction, double max_fraction)
    : sample_size_(kSamplePerEntry * static_cast<double>(std::max<size_t>(capacity, 1))),
      max_fraction_(std::max(max_fraction, initial_fraction)),
      step_(-kStepPercent),
      fraction_(initial_fraction) {}

void WindowClimber::Record(uint64_t hits, uint64_t misses) {
  std::lock_guard lock(mu_);
  hits_ += hits;
  misses_ += misses;
  const double requests = static_cast<double>(hits_ + misses_);
  if (requests < sample_size_) return;
  const double hit_rate = static_cast<double>(hits_) / requests;
  const double change = hit_rate - previous_hit_rate_;
  const double amount = change >= 0 ? step_ : -step_;
  step_ = std::abs(change) >= kRestartThreshold ? (amount >= 0 ? kStepPercent : -kStepPercent)
                                                : kStepDecayRate * amount;
  previous_hit_rate_ = hit_rate;
  hits_ = misses_ = 0;
  const double before = fraction_.load(std::memory_order_relaxed);
  const double after = std::clamp(before + amount, 0.0, max_fraction_);
  if (after != before) {
    fraction_.store(after, std::memory_order_relaxed);
    version_.fetch_add(1, std::memory_order_release);
  }
}

}  // namespace chinook::cache::internal
