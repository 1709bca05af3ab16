#include "cache/window_climber.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <unordered_map>

#include "cache/eviction_policy.h"
#include "cache/frequency_sketch.h"

namespace chinook::cache::internal {
namespace {

// Each shadow keeps at least this many entries: below a few hundred, a shadow's hit counts are
// too coarse to tell two window sizes apart (measured: 1024 or 2048 did no better than 512).
constexpr size_t kMinShadowEntries = 512;
// The climber closes a batch every quarter of a shadow's turnover (a quarter of its capacity in
// sampled requests) and treats each batch's paired difference (hits above minus hits below) as
// one observation: a move needs at least kMinBatches of them, kMinDiscordant requests where the
// shadows disagree, and a mean kSignificance standard errors from zero. Batch means, not a sign
// test on single requests, because requests are not independent: a disk trace's sequential run
// hits or misses as a whole, and a per-request sign test (tried first) took such runs for strong
// evidence and wandered, 2 points below a fixed window on the full P2 and P6 traces.
constexpr double kCheckPerEntry = 0.25;
constexpr double kSignificance = 2.0;
constexpr uint64_t kMinDiscordant = 16;
constexpr uint64_t kMinBatches = 4;
// Without a verdict after this many batches the evidence restarts (the workload may have moved).
constexpr uint64_t kMaxChecks = 16;
// Steps in shares of the capacity: Caffeine's 6.25% to start, doubling up to a quarter while the
// window keeps moving one way (from 1% to all of the cache in six moves), halving down to 1/64
// when it turns.
constexpr double kInitialStep = 0.0625;
constexpr double kMaxStep = 0.25;
constexpr double kMinStep = 1.0 / 64;
// The sketch's aging period, in increments per entry: from a quarter of Caffeine's 10 to eight
// times it, in factors of two.
constexpr double kMinPeriod = FrequencySketch::kDefaultPeriodPerEntry / 4;
constexpr double kMaxPeriod = FrequencySketch::kDefaultPeriodPerEntry * 8;

int SampleBits(size_t capacity) {
  int bits = 0;
  while (bits < 16 && (capacity >> (bits + 1)) >= kMinShadowEntries) ++bits;
  return bits;
}

}  // namespace

// A W-TinyLFU over sampled hashes, with no values: the production policy itself, window fixed
// by the climber.
class WindowClimber::Shadow {
 public:
  Shadow(size_t capacity, double fraction)
      : capacity_(capacity), policy_(NewWTinyLfuPolicy(capacity, {.window_fraction = fraction, .adaptive_window = false})) {}

  bool Access(uint64_t hash) {
    auto it = nodes_.find(hash);
    if (it != nodes_.end()) {
      policy_->OnHit(&it->second);
      return true;
    }
    policy_->OnMiss(hash);
    PolicyNode& node = nodes_[hash];
    node.hash = hash;
    policy_->Add(&node);
    while (PolicyNode* victim = policy_->SelectVictim(false)) nodes_.erase(victim->hash);
    return false;
  }

  void SetFraction(double fraction) {
    policy_->ResizeWindow(static_cast<size_t>(std::llround(fraction * static_cast<double>(capacity_))));
  }
  void SetPeriod(double per_entry) { policy_->SetSketchPeriod(per_entry); }

 private:
  const size_t capacity_;
  std::unique_ptr<EvictionPolicy> policy_;
  std::unordered_map<uint64_t, PolicyNode> nodes_;  // node addresses are stable
};

WindowClimber::WindowClimber(size_t capacity, double initial_fraction, double max_fraction)
    : sample_mask_((uint64_t{1} << SampleBits(std::max<size_t>(capacity, 1))) - 1),
      shadow_capacity_(std::max<size_t>(capacity >> SampleBits(std::max<size_t>(capacity, 1)), 1)),
      max_fraction_(std::clamp(std::max(max_fraction, initial_fraction), 0.0, 1.0)),
      check_every_(std::max<uint64_t>(static_cast<uint64_t>(kCheckPerEntry * static_cast<double>(shadow_capacity_)), 32)),
      step_(kInitialStep),
      fraction_(std::clamp(initial_fraction, 0.0, 1.0)),
      period_(FrequencySketch::kDefaultPeriodPerEntry) {
  below_ = std::make_unique<Shadow>(shadow_capacity_, window_fraction());
  above_ = std::make_unique<Shadow>(shadow_capacity_, window_fraction());
  shorter_ = std::make_unique<Shadow>(shadow_capacity_, window_fraction());
  longer_ = std::make_unique<Shadow>(shadow_capacity_, window_fraction());
  Recenter();
}

WindowClimber::~WindowClimber() = default;

void WindowClimber::Observe(uint64_t hash) {
  // Lossy under contention, as Caffeine's read buffers are: a request the shadows miss because
  // another shard holds the lock is missed by both, so the paired comparison stays fair.
  if (!mu_.TryLock()) return;
  ObserveLocked(hash);
  mu_.Unlock();
}

void WindowClimber::PairedEvidence::Record(bool first_hit, bool second_hit) {
  if (first_hit == second_hit) return;
  ++discordant;
  difference += second_hit ? 1 : -1;
}

int WindowClimber::PairedEvidence::CloseBatch() {
  // Batch means: each batch contributes its difference as one observation.
  const double x = static_cast<double>(difference - batch_start_difference);
  batch_start_difference = difference;
  ++checks;
  batch_sum += x;
  batch_sum_sq += x * x;
  const double n = static_cast<double>(checks);
  const double mean = batch_sum / n;
  const double var = checks > 1 ? std::max(0.0, (batch_sum_sq - n * mean * mean) / (n - 1)) : 0;
  if (checks >= kMinBatches && discordant >= kMinDiscordant && mean != 0 &&
      std::abs(mean) >= kSignificance * std::sqrt(var / n)) {
    return mean > 0 ? 1 : -1;
  }
  if (checks >= kMaxChecks) Reset();
  return 0;
}

void WindowClimber::ObserveLocked(uint64_t hash) {
  window_evidence_.Record(below_->Access(hash), above_->Access(hash));
  period_evidence_.Record(shorter_->Access(hash), longer_->Access(hash));
  if (++requests_ < check_every_) return;
  requests_ = 0;
  if (const int direction = window_evidence_.CloseBatch(); direction != 0) MoveWindow(direction);
  if (const int direction = period_evidence_.CloseBatch(); direction != 0) MovePeriod(direction);
}

void WindowClimber::MoveWindow(int direction) {
  const double before = window_fraction();
  const double after = std::clamp(before + direction * step_, 0.0, max_fraction_);
  // Steps grow while the window keeps moving one way; a turn, or a verdict against a probe past
  // the end of the range (the window is already at its bound), narrows them.
  const bool onward = (direction == last_direction_ || last_direction_ == 0) && after != before;
  step_ = onward ? std::min(step_ * 2, kMaxStep) : std::max(step_ / 2, kMinStep);
  last_direction_ = direction;
  if (after != before) {
    fraction_.store(after, std::memory_order_relaxed);
    version_.fetch_add(1, std::memory_order_release);
  }
  window_evidence_.Reset();
  Recenter();
}

void WindowClimber::MovePeriod(int direction) {
  const double before = sketch_period();
  const double after = std::clamp(direction > 0 ? before * 2 : before / 2, kMinPeriod, kMaxPeriod);
  if (after != before) {
    period_.store(after, std::memory_order_relaxed);
    version_.fetch_add(1, std::memory_order_release);
  }
  period_evidence_.Reset();
  Recenter();
}

void WindowClimber::Recenter() {
  // Each probe holds the other dimension at its target, so that it judges only its own.
  const double f = window_fraction();
  const double p = sketch_period();
  below_->SetFraction(std::clamp(f - step_, 0.0, max_fraction_));
  above_->SetFraction(std::clamp(f + step_, 0.0, max_fraction_));
  below_->SetPeriod(p);
  above_->SetPeriod(p);
  shorter_->SetFraction(f);
  longer_->SetFraction(f);
  shorter_->SetPeriod(std::max(p / 2, kMinPeriod));
  longer_->SetPeriod(std::min(p * 2, kMaxPeriod));
}

}  // namespace chinook::cache::internal
