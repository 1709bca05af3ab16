// ARC (Megiddo & Modha, FAST 2003, Figure 4): T1 holds keys seen once recently, T2 keys seen at
// least twice; B1 and B2 are their ghosts (keys only). A miss that finds its key in B1 says T1 was
// evicted too early and raises the target size p of T1; a miss in B2 lowers it. Sizes:
// |T1| + |T2| <= c, |T1| + |B1| <= c, and all four lists together <= 2c.
#include <algorithm>

#include "cache/sim/key_list.h"
#include "cache/sim/rival_policies.h"

namespace chinook::cache::sim {
namespace {

class ArcPolicy final : public KeyPolicy {
 public:
  explicit ArcPolicy(size_t capacity) : c_(capacity) {}

  bool Access(uint64_t key) override {
    // Case I: a hit moves to the MRU end of T2.
    if (t1_.Erase(key)) {
      t2_.PushBack(key);
      return true;
    }
    if (t2_.contains(key)) {
      t2_.MoveToBack(key);
      return true;
    }
    const double b1 = static_cast<double>(b1_.size());
    const double b2 = static_cast<double>(b2_.size());
    if (b1_.contains(key)) {  // case II: adapt towards recency
      p_ = std::min(static_cast<double>(c_), p_ + (b1 >= b2 ? 1.0 : b2 / b1));
      Replace(/*in_b2=*/false);
      b1_.Erase(key);
      t2_.PushBack(key);
      return false;
    }
    if (b2_.contains(key)) {  // case III: adapt towards frequency
      p_ = std::max(0.0, p_ - (b2 >= b1 ? 1.0 : b1 / b2));
      Replace(/*in_b2=*/true);
      b2_.Erase(key);
      t2_.PushBack(key);
      return false;
    }
    // Case IV: a key in no list.
    const size_t l1 = t1_.size() + b1_.size();
    const size_t total = l1 + t2_.size() + b2_.size();
    if (l1 == c_) {
      if (t1_.size() < c_) {
        b1_.PopFront();
        Replace(false);
      } else {
        t1_.PopFront();
      }
    } else if (total >= c_) {
      if (total == 2 * c_) b2_.PopFront();
      Replace(false);
    }
    t1_.PushBack(key);
    return false;
  }

  size_t size() const override { return t1_.size() + t2_.size(); }

 private:
  // Evicts the LRU key of T1 (into B1) or of T2 (into B2), following p.
  void Replace(bool in_b2) {
    const double t1 = static_cast<double>(t1_.size());
    if (!t1_.empty() && (t1 > p_ || (in_b2 && t1 == p_))) {
      b1_.PushBack(t1_.PopFront().key);
    } else if (!t2_.empty()) {
      b2_.PushBack(t2_.PopFront().key);
    } else if (!t1_.empty()) {
      b1_.PushBack(t1_.PopFront().key);
    }
  }

  const size_t c_;
  double p_ = 0;  // target size of T1
  KeyList t1_, t2_, b1_, b2_;
};

}  // namespace

std::unique_ptr<KeyPolicy> NewArcPolicy(size_t capacity) {
  return std::make_unique<ArcPolicy>(std::max<size_t>(capacity, 1));
}

}  // namespace chinook::cache::sim
