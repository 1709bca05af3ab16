#include "cache/eviction_policy.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "cache/frequency_sketch.h"
#include "cache/window_climber.h"

namespace chinook::cache::internal {
namespace {

// Caffeine's constants (BoundedLocalCache).
constexpr int kAdmitHashDosThreshold = 6;     // a candidate this warm may win a lost contest ...
constexpr uint64_t kRandomAdmitMask = 127;    // ... with probability 1/128
// A shard looks for a new window target from the climber after this many requests: one atomic
// load per batch instead of one per request, soon enough that the window follows within a
// fraction of a small cache's turnover.
constexpr size_t kClimberCheckBatch = 64;

// An intrusive LRU list with a sentinel: front is least recently used.
class NodeList {
 public:
  NodeList() { head_.prev = head_.next = &head_; }
  NodeList(const NodeList&) = delete;
  NodeList& operator=(const NodeList&) = delete;

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  PolicyNode* front() { return empty() ? nullptr : head_.next; }
  // The node after `node` towards the back, or nullptr.
  PolicyNode* after(PolicyNode* node) { return node->next == &head_ ? nullptr : node->next; }

  void PushBack(PolicyNode* node, Queue queue) {
    node->queue = queue;
    node->prev = head_.prev;
    node->next = &head_;
    head_.prev->next = node;
    head_.prev = node;
    ++size_;
  }
  void Remove(PolicyNode* node) {
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->prev = node->next = nullptr;
    node->queue = Queue::kNone;
    --size_;
  }
  // Fetches what MoveToBack(node) or Remove(node) will write: the node's two neighbours.
  static void PrefetchNeighbours(const PolicyNode* node) {
    __builtin_prefetch(node->prev, 1);
    __builtin_prefetch(node->next, 1);
  }
  void MoveToBack(PolicyNode* node) {
    const Queue queue = node->queue;
    Remove(node);
    PushBack(node, queue);
  }

 private:
  PolicyNode head_;
  size_t size_ = 0;
};

class LruPolicy final : public EvictionPolicy {
 public:
  explicit LruPolicy(size_t capacity) : capacity_(capacity) {}

  void OnHit(PolicyNode* node) override { list_.MoveToBack(node); }
  void OnHits(PolicyNode* const* nodes, size_t n) override {
    for (size_t i = 0; i < n; ++i) NodeList::PrefetchNeighbours(nodes[i]);
    for (size_t i = 0; i < n; ++i) OnHit(nodes[i]);
  }
  void OnMiss(uint64_t) override {}
  void Add(PolicyNode* node) override { list_.PushBack(node, Queue::kProbation); }
  void Remove(PolicyNode* node) override { list_.Remove(node); }
  PolicyNode* SelectVictim(bool force) override {
    if (list_.empty() || (!force && list_.size() <= capacity_)) return nullptr;
    PolicyNode* victim = list_.front();
    list_.Remove(victim);
    return victim;
  }
  size_t size() const override { return list_.size(); }
  size_t capacity() const override { return capacity_; }
  uint64_t admissions_rejected() const override { return 0; }
  size_t window_capacity() const override { return 0; }

 private:
  const size_t capacity_;
  NodeList list_;
};

class WTinyLfuPolicy final : public EvictionPolicy {
 public:
  WTinyLfuPolicy(size_t capacity, const WTinyLfuOptions& options, std::shared_ptr<WindowClimber> climber)
      : capacity_(capacity),
        climber_(std::move(climber)),
        check_every_(std::clamp<size_t>(capacity, 1, kClimberCheckBatch)),
        protected_fraction_(std::clamp(options.protected_fraction, 0.0, 1.0)),
        random_state_(options.seed | 1),
        sketch_(capacity) {
    const double window = std::clamp(options.window_fraction, 0.0, 1.0) * static_cast<double>(capacity);
    window_max_ = std::clamp<size_t>(static_cast<size_t>(window), 1, capacity);
    protected_max_ = ProtectedMaxFor(window_max_);
    if (climber_ != nullptr) climber_version_ = climber_->version();
  }

  void OnHit(PolicyNode* node) override {
    sketch_.Increment(node->hash);
    switch (node->queue) {
      case Queue::kWindow:
        window_.MoveToBack(node);
        break;
      case Queue::kProbation:
        probation_.Remove(node);
        if (node == candidate_) candidate_ = nullptr;
        protected_.PushBack(node, Queue::kProtected);
        DemoteFromProtected();
        break;
      case Queue::kProtected:
        protected_.MoveToBack(node);
        break;
      case Queue::kNone:
        assert(false && "hit on a node the policy does not hold");
        break;
    }
    MaybeClimb(node->hash);
  }

  // The batch's cache misses overlap: every node's neighbours and counters are requested before
  // the first update waits for any of them (measured -10% on BM_LocalCache_Get's time).
  void OnHits(PolicyNode* const* nodes, size_t n) override {
    for (size_t i = 0; i < n; ++i) {
      sketch_.Prefetch(nodes[i]->hash);
      NodeList::PrefetchNeighbours(nodes[i]);
    }
    for (size_t i = 0; i < n; ++i) OnHit(nodes[i]);
  }

  void OnMiss(uint64_t hash) override {
    sketch_.Increment(hash);
    MaybeClimb(hash);
  }

  void Add(PolicyNode* node) override {
    window_.PushBack(node, Queue::kWindow);
    if (!sketch_.initialized() && size() >= capacity_ / 2) sketch_.Initialize();
    // The window's overflow becomes the main area's candidate; it stays in probation unless
    // SelectVictim finds that the shard is full and the candidate loses its contest.
    while (window_.size() > window_max_) {
      PolicyNode* moved = window_.front();
      window_.Remove(moved);
      probation_.PushBack(moved, Queue::kProbation);
      candidate_ = moved;
    }
  }

  void Remove(PolicyNode* node) override {
    if (node == candidate_) candidate_ = nullptr;
    ListOf(node->queue).Remove(node);
  }

  PolicyNode* SelectVictim(bool force) override {
    if (size() == 0 || (!force && size() <= capacity_)) return nullptr;
    PolicyNode* candidate = candidate_;
    candidate_ = nullptr;
    PolicyNode* victim = probation_.front();
    if (victim != nullptr && victim == candidate) victim = probation_.after(victim);
    if (victim == nullptr) victim = protected_.front();
    if (victim == nullptr) victim = window_.front();
    PolicyNode* loser = victim;
    if (candidate != nullptr && victim != nullptr && !force && !Admit(candidate->hash, victim->hash)) {
      loser = candidate;
      ++admissions_rejected_;
    }
    if (loser == nullptr) loser = candidate;
    ListOf(loser->queue).Remove(loser);
    return loser;
  }

  size_t size() const override { return window_.size() + probation_.size() + protected_.size(); }
  size_t capacity() const override { return capacity_; }
  uint64_t admissions_rejected() const override { return admissions_rejected_; }
  size_t window_capacity() const override { return window_max_; }

  void ResizeWindow(size_t window_entries) override {
    window_max_ = std::clamp<size_t>(window_entries, 1, std::max<size_t>(capacity_ - 1, 1));
    protected_max_ = ProtectedMaxFor(window_max_);
    DemoteFromProtected();
    // A smaller window pushes its LRU entries into probation; a larger one takes the main area's
    // LRU entries while the main area holds more than its new share.
    while (window_.size() > window_max_) {
      PolicyNode* node = window_.front();
      window_.Remove(node);
      probation_.PushBack(node, Queue::kProbation);
    }
    while (window_.size() < window_max_ && probation_.size() + protected_.size() > capacity_ - window_max_) {
      PolicyNode* node = probation_.front();
      if (node == nullptr) node = protected_.front();
      Remove(node);
      window_.PushBack(node, Queue::kWindow);
    }
  }

  void SetSketchPeriod(double per_entry) override { sketch_.SetPeriod(per_entry); }

 private:
  size_t ProtectedMaxFor(size_t window) const {
    return static_cast<size_t>(protected_fraction_ * static_cast<double>(capacity_ - std::min(window, capacity_)));
  }

  NodeList& ListOf(Queue queue) {
    switch (queue) {
      case Queue::kWindow:
        return window_;
      case Queue::kProtected:
        return protected_;
      default:
        return probation_;
    }
  }

  bool Admit(uint64_t candidate_hash, uint64_t victim_hash) {
    return AdmitCandidate(sketch_.Frequency(candidate_hash), sketch_.Frequency(victim_hash), NextRandom());
  }

  uint64_t NextRandom() {  // xorshift64*: cheap, and good enough for a coin flip
    random_state_ ^= random_state_ >> 12;
    random_state_ ^= random_state_ << 25;
    random_state_ ^= random_state_ >> 27;
    return random_state_ * 0x2545F4914F6CDD1DULL;
  }

  void DemoteFromProtected() {
    while (protected_.size() > protected_max_) {
      PolicyNode* demoted = protected_.front();
      protected_.Remove(demoted);
      probation_.PushBack(demoted, Queue::kProbation);
    }
  }

  // Feeds a sampled request to the climber; now and then follows the climber's target.
  void MaybeClimb(uint64_t hash) {
    if (climber_ == nullptr) return;
    if (climber_->Samples(hash)) climber_->Observe(hash);
    if (++requests_since_check_ < check_every_) return;
    requests_since_check_ = 0;
    const uint64_t version = climber_->version();
    if (version == climber_version_) return;
    climber_version_ = version;
    ResizeWindow(static_cast<size_t>(std::llround(climber_->window_fraction() * static_cast<double>(capacity_))));
    sketch_.SetPeriod(climber_->sketch_period());
  }

  const size_t capacity_;
  const std::shared_ptr<WindowClimber> climber_;  // null: fixed window
  const size_t check_every_;
  const double protected_fraction_;
  uint64_t climber_version_ = 0;  // the climber's target this shard last applied
  size_t requests_since_check_ = 0;
  uint64_t random_state_;
  FrequencySketch sketch_;
  NodeList window_;
  NodeList probation_;
  NodeList protected_;
  size_t window_max_;
  size_t protected_max_;
  // The node most recently pushed from the window into probation, not yet judged.
  PolicyNode* candidate_ = nullptr;
  uint64_t admissions_rejected_ = 0;
};

}  // namespace

bool AdmitCandidate(int candidate_frequency, int victim_frequency, uint64_t random) {
  if (candidate_frequency > victim_frequency) return true;
  // An attacker can keep a hot victim's counters saturated so that no candidate ever wins;
  // admitting warm candidates now and then breaks that, at little cost to the hit rate.
  return candidate_frequency >= kAdmitHashDosThreshold && (random & kRandomAdmitMask) == 0;
}

std::unique_ptr<EvictionPolicy> NewLruPolicy(size_t capacity) {
  return std::make_unique<LruPolicy>(std::max<size_t>(capacity, 1));
}

double MaxWindowFraction(const WTinyLfuOptions&) { return 1.0; }

std::unique_ptr<EvictionPolicy> NewWTinyLfuPolicy(size_t capacity, const WTinyLfuOptions& options,
                                                  std::shared_ptr<WindowClimber> climber) {
  capacity = std::max<size_t>(capacity, 1);
  if (!options.adaptive_window) {
    climber = nullptr;
  } else if (climber == nullptr) {
    climber = std::make_shared<WindowClimber>(capacity, options.window_fraction, MaxWindowFraction(options));
  }
  return std::make_unique<WTinyLfuPolicy>(capacity, options, std::move(climber));
}

}  // namespace chinook::cache::internal
