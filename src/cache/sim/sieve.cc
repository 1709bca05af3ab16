// SIEVE (Zhang et al., NSDI 2024, Figure 2): one FIFO queue with a visited bit per key and a
// "hand". A hit only sets the bit. To evict, the hand walks from where it stopped towards the
// newer end, clearing set bits, and evicts the first key whose bit is clear; past the newest key
// it wraps to the oldest. Newcomers enter at the newest end, so survivors stay where they are
// (no reordering) and new keys are judged quickly ("lazy promotion, quick demotion").
#include <algorithm>

#include "cache/sim/key_list.h"
#include "cache/sim/rival_policies.h"

namespace chinook::cache::sim {
namespace {

class SievePolicy final : public KeyPolicy {
 public:
  explicit SievePolicy(size_t capacity) : capacity_(capacity) {}

  bool Access(uint64_t key) override {
    if (KeyList::Item* item = queue_.Find(key)) {
      item->value = 1;
      return true;
    }
    if (queue_.size() >= capacity_) Evict();
    queue_.PushBack(key);
    if (!hand_valid_) {
      hand_ = queue_.begin();
      hand_valid_ = true;
    }
    return false;
  }

  size_t size() const override { return queue_.size(); }

 private:
  // The list runs oldest (front) to newest (back), so the paper's tail-to-head walk is forward.
  void Evict() {
    KeyList::iterator it = hand_valid_ ? hand_ : queue_.begin();
    while (it->value != 0) {
      it->value = 0;
      if (++it == queue_.end()) it = queue_.begin();
    }
    it = queue_.Erase(it);
    hand_ = it == queue_.end() ? queue_.begin() : it;
    hand_valid_ = !queue_.empty();
  }

  const size_t capacity_;
  KeyList queue_;  // value: the visited bit
  KeyList::iterator hand_;
  bool hand_valid_ = false;
};

}  // namespace

std::unique_ptr<KeyPolicy> NewSievePolicy(size_t capacity) {
  return std::make_unique<SievePolicy>(std::max<size_t>(capacity, 1));
}

}  // namespace chinook::cache::sim
