// LIRS (Jiang & Zhang, SIGMETRICS 2002). Keys with a short inter-reference recency ("LIR", 99% of
// the capacity) stay resident; the rest ("HIR", 1%, at least one key) pass through a small queue
// Q. The recency stack S orders LIR keys, resident HIR keys and recently evicted ("non-resident")
// HIR keys; its bottom is always an LIR key (pruning). An HIR key requested again while still in
// S has a recency shorter than the oldest LIR key's, so it becomes LIR and that one becomes HIR.
//
// As libCacheSim does, S is bounded at 2 x capacity by forgetting the oldest non-resident keys
// (the paper leaves S unbounded), and while the LIR set is not yet full every newcomer is LIR.
#include <algorithm>

#include "cache/sim/key_list.h"
#include "cache/sim/rival_policies.h"

namespace chinook::cache::sim {
namespace {

constexpr double kHirFraction = 0.01;  // the paper's 1% for resident HIR keys
constexpr size_t kStackLimitPerEntry = 2;

enum Status : int { kLir, kResidentHir, kNonResidentHir };

class LirsPolicy final : public KeyPolicy {
 public:
  explicit LirsPolicy(size_t capacity)
      : hir_max_(std::max<size_t>(static_cast<size_t>(kHirFraction * static_cast<double>(capacity)), 1)),
        lir_max_(capacity > hir_max_ ? capacity - hir_max_ : 0),
        stack_max_(kStackLimitPerEntry * capacity) {}

  bool Access(uint64_t key) override {
    KeyList::Item* in_s = s_.Find(key);
    if (in_s != nullptr && in_s->value == kLir) {
      s_.MoveToBack(key);
      Prune();
      return true;
    }
    if (q_.contains(key)) {  // a resident HIR key
      if (in_s != nullptr && lir_max_ > 0) {
        q_.Erase(key);
        in_s->value = kLir;
        ++lir_count_;
        s_.MoveToBack(key);
        DemoteBottomLir();
      } else if (in_s != nullptr) {  // capacity 1: no LIR set, Q is plain LRU
        s_.MoveToBack(key);
        q_.MoveToBack(key);
      } else {
        s_.PushBack(key, kResidentHir);
        q_.MoveToBack(key);
        LimitStack();
      }
      return true;
    }
    // A miss: a non-resident HIR key still in S, or a key the policy does not hold.
    if (lir_count_ < lir_max_ && in_s == nullptr) {  // warm-up: the LIR set fills first
      s_.PushBack(key, kLir);
      ++lir_count_;
      return false;
    }
    if (q_.size() >= hir_max_) EvictHir();
    in_s = s_.Find(key);  // EvictHir may have forgotten the key (LimitStack)
    if (in_s != nullptr && lir_max_ > 0) {
      non_resident_.Erase(key);
      in_s->value = kLir;
      ++lir_count_;
      s_.MoveToBack(key);
      if (lir_count_ > lir_max_) DemoteBottomLir();
    } else {
      if (in_s != nullptr) {  // capacity 1: a non-resident key comes back as HIR
        s_.Erase(key);
        non_resident_.Erase(key);
      }
      s_.PushBack(key, kResidentHir);
      q_.PushBack(key);
      LimitStack();
    }
    return false;
  }

  size_t size() const override { return lir_count_ + q_.size(); }

 private:
  // The LIR key at the bottom of S becomes a resident HIR key at the end of Q.
  void DemoteBottomLir() {
    if (s_.empty()) return;
    const uint64_t bottom = s_.PopFront().key;  // Prune keeps an LIR key at the bottom
    --lir_count_;
    if (q_.size() >= hir_max_) EvictHir();
    q_.PushBack(bottom);
    Prune();
  }

  // The front of Q leaves the cache; if S still holds it, it stays there as non-resident.
  void EvictHir() {
    const uint64_t victim = q_.PopFront().key;
    if (KeyList::Item* in_s = s_.Find(victim)) {
      in_s->value = kNonResidentHir;
      non_resident_.PushBack(victim);
      LimitStack();
    }
  }

  // Removes HIR keys from the bottom of S until an LIR key is there.
  void Prune() {
    while (!s_.empty() && s_.front().value != kLir) {
      const KeyList::Item item = s_.PopFront();
      if (item.value == kNonResidentHir) non_resident_.Erase(item.key);
    }
  }

  void LimitStack() {
    while (s_.size() > stack_max_ && !non_resident_.empty()) s_.Erase(non_resident_.PopFront().key);
  }

  const size_t hir_max_;
  const size_t lir_max_;
  const size_t stack_max_;
  size_t lir_count_ = 0;
  KeyList s_;             // the recency stack: back is the top (most recent)
  KeyList q_;             // resident HIR keys, front evicted first
  KeyList non_resident_;  // non-resident HIR keys in S, oldest first (for LimitStack)
};

}  // namespace

std::unique_ptr<KeyPolicy> NewLirsPolicy(size_t capacity) {
  return std::make_unique<LirsPolicy>(std::max<size_t>(capacity, 1));
}

}  // namespace chinook::cache::sim
