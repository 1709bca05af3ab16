// S3-FIFO (Yang et al., SOSP 2023, Algorithm 1): a small FIFO S (10% of the capacity) filters
// newcomers; a key requested again while in S moves to the main FIFO M on leaving S, the others go
// to a ghost FIFO G (keys only, as many as M holds). A miss found in G goes straight to M. M is a
// CLOCK with a 2-bit counter: its tail is reinserted with the counter less one while the counter
// is positive, and evicted at zero.
//
// Details as libCacheSim's S3FIFO.c (the reference simulator): a key leaves S for M when it was
// hit at least twice in S (move-to-main-threshold=2, libCacheSim's default since 2024; 1 before);
// until the first eviction, newcomers go to M once S is full, so a cold cache fills all of it; S
// is evicted from unless M is over its size or S is empty.
#include <algorithm>

#include "cache/sim/key_list.h"
#include "cache/sim/rival_policies.h"

namespace chinook::cache::sim {
namespace {

constexpr double kSmallFraction = 0.10;
constexpr double kGhostFraction = 0.90;
constexpr int kMoveToMainThreshold = 2;
constexpr int kMaxFrequency = 3;  // the 2-bit counter of M

class S3FifoPolicy final : public KeyPolicy {
 public:
  explicit S3FifoPolicy(size_t capacity)
      : capacity_(capacity),
        small_max_(std::max<size_t>(static_cast<size_t>(kSmallFraction * static_cast<double>(capacity)), 1)),
        main_max_(capacity > small_max_ ? capacity - small_max_ : 0),
        ghost_max_(static_cast<size_t>(kGhostFraction * static_cast<double>(capacity))) {}

  bool Access(uint64_t key) override {
    if (KeyList::Item* item = small_.Find(key)) {
      ++item->value;
      return true;
    }
    if (KeyList::Item* item = main_.Find(key)) {
      ++item->value;
      return true;
    }
    const bool ghost_hit = ghost_.Erase(key);
    while (size() >= capacity_) Evict();
    if (ghost_hit) {
      main_.PushBack(key);
    } else if (!has_evicted_ && small_.size() >= small_max_) {
      main_.PushBack(key);
    } else {
      small_.PushBack(key);
    }
    return false;
  }

  size_t size() const override { return small_.size() + main_.size(); }

 private:
  void Evict() {
    has_evicted_ = true;
    if (main_.size() > main_max_ || small_.empty()) {
      EvictMain();
    } else {
      EvictSmall();
    }
  }

  void EvictSmall() {
    while (!small_.empty()) {
      const KeyList::Item tail = small_.PopFront();
      if (tail.value >= kMoveToMainThreshold) {
        main_.PushBack(tail.key);  // the counter starts again at zero in M
        continue;
      }
      if (ghost_max_ > 0) {
        if (ghost_.size() >= ghost_max_) ghost_.PopFront();
        ghost_.PushBack(tail.key);
      }
      return;
    }
  }

  void EvictMain() {
    while (!main_.empty()) {
      KeyList::Item tail = main_.PopFront();
      if (tail.value >= 1) {
        main_.PushBack(tail.key, std::min(tail.value, kMaxFrequency) - 1);
        continue;
      }
      return;
    }
  }

  const size_t capacity_;
  const size_t small_max_;
  const size_t main_max_;
  const size_t ghost_max_;
  bool has_evicted_ = false;
  KeyList small_;  // value: hits since insertion
  KeyList main_;   // value: hits since insertion or last reinsertion
  KeyList ghost_;
};

}  // namespace

std::unique_ptr<KeyPolicy> NewS3FifoPolicy(size_t capacity) {
  return std::make_unique<S3FifoPolicy>(std::max<size_t>(capacity, 1));
}

}  // namespace chinook::cache::sim
