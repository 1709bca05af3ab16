#include "cache/eviction_policy.h"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "cache/frequency_sketch.h"
#include "cache/simulation.h"
#include "cache/window_climber.h"
#include "workload/traces.h"

namespace chinook::cache {
namespace {

using internal::FrequencySketch;
using internal::MixHash;
using internal::PolicyNode;
using workload::LoopTrace;
using workload::ScanPollutedZipfTrace;
using workload::ZipfTrace;

TEST(FrequencySketchTest, CountsNothingUntilInitialized) {
  FrequencySketch sketch(1024);
  sketch.Increment(MixHash(7));
  EXPECT_EQ(sketch.Frequency(MixHash(7)), 0);
  EXPECT_FALSE(sketch.initialized());
  sketch.Initialize();
  sketch.Increment(MixHash(7));
  EXPECT_EQ(sketch.Frequency(MixHash(7)), 1);
}

TEST(FrequencySketchTest, CountsSaturateAtFifteen) {
  FrequencySketch sketch(1024);
  sketch.Initialize();
  const uint64_t key = MixHash(7);
  EXPECT_EQ(sketch.Frequency(key), 0);
  for (int i = 0; i < 5; ++i) sketch.Increment(key);
  EXPECT_EQ(sketch.Frequency(key), 5);
  for (int i = 0; i < 100; ++i) sketch.Increment(key);
  EXPECT_EQ(sketch.Frequency(key), 15);
}

TEST(FrequencySketchTest, HalvesEveryCounterAfterTenTimesCapacityIncrements) {
  FrequencySketch sketch(64);
  sketch.Initialize();
  ASSERT_EQ(sketch.sample_size(), 640u);
  const uint64_t hot = MixHash(1);
  for (int i = 0; i < 12; ++i) sketch.Increment(hot);
  ASSERT_EQ(sketch.Frequency(hot), 12);
  // Distinct cold keys push the sample to its size; the hot key's count is then halved.
  for (uint64_t k = 1000; sketch.resets() == 0; ++k) sketch.Increment(MixHash(k));
  EXPECT_EQ(sketch.Frequency(hot), 6);
  EXPECT_LT(sketch.sample_count(), sketch.sample_size() / 2 + 1);
}

TEST(FrequencySketchTest, EstimatesRankHotAboveColdUnderLoad) {
  FrequencySketch sketch(4096);
  sketch.Initialize();
  // 50 keys seen 8 times among 4,000 keys seen once (the sketch's capacity): count-min may overestimate, never under.
  for (uint64_t round = 0; round < 8; ++round) {
    for (uint64_t k = 0; k < 50; ++k) sketch.Increment(MixHash(k));
  }
  for (uint64_t k = 100; k < 4100; ++k) sketch.Increment(MixHash(k));
  int cold_overestimated = 0;
  for (uint64_t k = 0; k < 50; ++k) EXPECT_GE(sketch.Frequency(MixHash(k)), 8) << k;
  for (uint64_t k = 100; k < 4100; ++k) cold_overestimated += sketch.Frequency(MixHash(k)) > 2;
  EXPECT_LT(cold_overestimated, 40);  // under 1% of cold keys look warm
}

// Drives a policy directly: a tiny cache of PolicyNodes keyed by id.
class PolicyHarness {
 public:
  explicit PolicyHarness(std::unique_ptr<internal::EvictionPolicy> policy) : policy_(std::move(policy)) {}

  // One request; returns true on a hit.
  bool Access(uint64_t key) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      policy_->OnHit(it->second);
      return true;
    }
    policy_->OnMiss(MixHash(key));
    nodes_.emplace_back();
    PolicyNode* node = &nodes_.back();
    node->hash = MixHash(key);
    keys_[node] = key;
    index_[key] = node;
    policy_->Add(node);
    while (PolicyNode* victim = policy_->SelectVictim(false)) {
      index_.erase(keys_[victim]);
      evicted_.push_back(keys_[victim]);
    }
    return false;
  }
  bool Contains(uint64_t key) const { return index_.count(key) != 0; }
  internal::EvictionPolicy& policy() { return *policy_; }
  const std::vector<uint64_t>& evicted() const { return evicted_; }

 private:
  std::unique_ptr<internal::EvictionPolicy> policy_;
  std::deque<PolicyNode> nodes_;  // stable addresses
  std::unordered_map<uint64_t, PolicyNode*> index_;
  std::unordered_map<PolicyNode*, uint64_t> keys_;
  std::vector<uint64_t> evicted_;
};

TEST(EvictionPolicyTest, LruEvictsLeastRecentlyUsed) {
  PolicyHarness lru(internal::NewLruPolicy(3));
  lru.Access(1);
  lru.Access(2);
  lru.Access(3);
  lru.Access(1);  // 2 is now the least recently used
  lru.Access(4);
  EXPECT_EQ(lru.evicted(), std::vector<uint64_t>{2});
  EXPECT_TRUE(lru.Contains(1));
  EXPECT_EQ(lru.policy().size(), 3u);
}

TEST(EvictionPolicyTest, TinyLfuRejectsAOneHitWonderAgainstAFrequentVictim) {
  PolicyHarness tlfu(internal::NewWTinyLfuPolicy(100, {.adaptive_window = false}));
  for (int round = 0; round < 4; ++round) {
    for (uint64_t k = 0; k < 100; ++k) tlfu.Access(k);
  }
  ASSERT_EQ(tlfu.policy().size(), 100u);
  // A scan of never-repeated keys passes through the window and is refused by admission.
  for (uint64_t k = 1000; k < 1500; ++k) tlfu.Access(k);
  int resident = 0;
  for (uint64_t k = 0; k < 100; ++k) resident += tlfu.Contains(k);
  EXPECT_GE(resident, 98);  // all but the 1-entry window survive
  EXPECT_GE(tlfu.policy().admissions_rejected(), 450u);
}

TEST(EvictionPolicyTest, WarmCandidatesWinALostContestOneTimeIn128AgainstHashFlooding) {
  EXPECT_TRUE(internal::AdmitCandidate(3, 2, 1));
  EXPECT_TRUE(internal::AdmitCandidate(15, 14, 1));
  int cold_admitted = 0;
  int warm_admitted = 0;
  for (uint64_t random = 0; random < 128 * 100; ++random) {
    cold_admitted += internal::AdmitCandidate(5, 15, random);  // cold: never on a lost contest
    warm_admitted += internal::AdmitCandidate(6, 15, random);  // warm: once in 128
    EXPECT_FALSE(internal::AdmitCandidate(7, 7, random * 128 + 1));
  }
  EXPECT_EQ(cold_admitted, 0);
  EXPECT_EQ(warm_admitted, 100);
}

TEST(EvictionPolicyTest, HillClimberGrowsTheWindowOnARecencyBiasedTrace) {
  // Each key is hot for a while after it appears, then never again: only a large window helps.
  const std::vector<uint64_t> offsets = ZipfTrace(5000, 400'000, 0.9, 7);
  std::vector<uint64_t> trace(offsets.size());
  for (size_t i = 0; i < trace.size(); ++i) trace[i] = i / 10 + (5000 - 1 - offsets[i]);
  const SimulationOptions one_shard{.num_shard_bits = 0};
  const double fixed = Simulate(trace, SimulatedPolicy::kWTinyLfuFixed, 2000, one_shard).hit_rate();
  const double adaptive = Simulate(trace, SimulatedPolicy::kWTinyLfu, 2000, one_shard).hit_rate();
  const double lru = Simulate(trace, SimulatedPolicy::kLru, 2000, one_shard).hit_rate();
  EXPECT_GT(adaptive, fixed + 0.10) << "fixed " << fixed << " adaptive " << adaptive;
  // Issue 12's floor: not below LRU by more than half a point (Caffeine's climber, capped at an
  // 80% window, stayed 4 points below here).
  EXPECT_GE(adaptive, lru - 0.005) << "lru " << lru;
}

TEST(EvictionPolicyTest, ClimberConvergesWithinAShortRecencyTrace) {
  // 8,000 requests at a capacity of 500: four samples of Caffeine's climber, which never moved
  // the window in time. The shadow climber gets most of the way to LRU's hit rate.
  const std::vector<uint64_t> offsets = ZipfTrace(1000, 8000, 0.8, 10);
  std::vector<uint64_t> trace(offsets.size());
  for (size_t i = 0; i < trace.size(); ++i) trace[i] = i / 5 + (1000 - 1 - offsets[i]);
  const double fixed = Simulate(trace, SimulatedPolicy::kWTinyLfuFixed, 500).hit_rate();
  const double adaptive = Simulate(trace, SimulatedPolicy::kWTinyLfu, 500).hit_rate();
  const double lru = Simulate(trace, SimulatedPolicy::kLru, 500).hit_rate();
  EXPECT_GT(adaptive, fixed + 0.15) << "fixed " << fixed << " adaptive " << adaptive;
  EXPECT_GE(adaptive, lru - 0.03) << "lru " << lru;
}

TEST(WindowClimberTest, SamplesByHashSoThatEachShadowKeepsEnoughEntries) {
  internal::WindowClimber small(1000, 0.01, 1.0);
  EXPECT_EQ(small.shadow_capacity(), 1000u);  // shadowed whole
  for (uint64_t k = 0; k < 1000; ++k) EXPECT_TRUE(small.Samples(MixHash(k)));
  internal::WindowClimber large(1'000'000, 0.01, 1.0);
  EXPECT_GE(large.shadow_capacity(), 512u);
  EXPECT_LT(large.shadow_capacity(), 1024u);
  int sampled = 0;
  constexpr int kKeys = 1 << 20;
  for (uint64_t k = 0; k < kKeys; ++k) sampled += large.Samples(MixHash(k));
  const double expected = kKeys * static_cast<double>(large.shadow_capacity()) / 1e6;
  EXPECT_NEAR(sampled, expected, 0.1 * expected);
}

TEST(WindowClimberTest, MovesTowardsTheWindowThatHitsMore) {
  // Fed directly: a recency-biased stream pulls the window up to (nearly) all of the cache, a
  // loop larger than the cache, where only the main area's frequency filter keeps anything,
  // down to the minimum.
  const std::vector<uint64_t> offsets = ZipfTrace(2000, 100'000, 0.8, 3);
  internal::WindowClimber recency(500, 0.01, 1.0);
  for (size_t i = 0; i < offsets.size(); ++i) recency.Observe(MixHash(i / 5 + (2000 - 1 - offsets[i])));
  EXPECT_GT(recency.window_fraction(), 0.8);
  EXPECT_GT(recency.version(), 0u);

  internal::WindowClimber loop(500, 0.5, 1.0);
  for (uint64_t key : LoopTrace(700, 100)) loop.Observe(MixHash(key));
  EXPECT_LT(loop.window_fraction(), 0.1);
}

TEST(WindowClimberTest, LengthensTheSketchPeriodOnASteadySkew) {
  // A fixed Zipf 0.99 over 20x the cache: keys at the cache's edge are seen about once per
  // default period, so a longer memory tells them from one-offs and hits more.
  internal::WindowClimber steady(1000, 0.01, 1.0);
  ASSERT_EQ(steady.sketch_period(), internal::FrequencySketch::kDefaultPeriodPerEntry);
  for (uint64_t key : ZipfTrace(20'000, 1'000'000, 0.99, 5)) steady.Observe(MixHash(key));
  EXPECT_GT(steady.sketch_period(), internal::FrequencySketch::kDefaultPeriodPerEntry);
}

TEST(WindowClimberTest, ShortensTheSketchPeriodWhenPopularityShifts) {
  // A new hot set every 5,000 requests: counts remembered from earlier sets only keep their
  // stale keys in the main area, so a shorter memory hits more.
  internal::WindowClimber shifting(500, 0.01, 1.0);
  const std::vector<uint64_t> offsets = ZipfTrace(1000, 1'000'000, 0.9, 6);
  for (size_t i = 0; i < offsets.size(); ++i) shifting.Observe(MixHash((i / 5000) * 1000 + offsets[i]));
  EXPECT_LT(shifting.sketch_period(), internal::FrequencySketch::kDefaultPeriodPerEntry);
}

TEST(FrequencySketchTest, SetPeriodMovesTheHalving) {
  internal::FrequencySketch sketch(100);
  sketch.Initialize();
  EXPECT_EQ(sketch.sample_size(), 1000u);
  sketch.SetPeriod(40);
  EXPECT_EQ(sketch.sample_size(), 4000u);
  for (uint64_t k = 0; k < 3000; ++k) sketch.Increment(MixHash(k));
  EXPECT_EQ(sketch.resets(), 0u);
  sketch.SetPeriod(2.5);  // already past the shorter period: halves at once
  EXPECT_EQ(sketch.sample_size(), 250u);
  EXPECT_EQ(sketch.resets(), 1u);
  EXPECT_LE(sketch.sample_count(), 1500u);  // the halving halves the count too
}

TEST(EvictionPolicyTest, ResizeWindowMovesEntriesAtOnce) {
  PolicyHarness tlfu(internal::NewWTinyLfuPolicy(100, {.adaptive_window = false}));
  for (uint64_t k = 0; k < 300; ++k) tlfu.Access(k % 150);
  ASSERT_EQ(tlfu.policy().size(), 100u);
  ASSERT_EQ(tlfu.policy().window_capacity(), 1u);
  tlfu.policy().ResizeWindow(60);
  EXPECT_EQ(tlfu.policy().window_capacity(), 60u);
  EXPECT_EQ(tlfu.policy().size(), 100u);
  for (uint64_t k = 1000; k < 1030; ++k) tlfu.Access(k);  // 30 newcomers all fit in the window
  for (uint64_t k = 1000; k < 1030; ++k) EXPECT_TRUE(tlfu.Contains(k)) << k;
  tlfu.policy().ResizeWindow(1000);  // clamped: the main area keeps one entry
  EXPECT_EQ(tlfu.policy().window_capacity(), 99u);
  tlfu.policy().ResizeWindow(0);
  EXPECT_EQ(tlfu.policy().window_capacity(), 1u);
  EXPECT_EQ(tlfu.policy().size(), 100u);
}

TEST(EvictionPolicyTest, TinyLfuBeatsLruOnZipfAndOnScans) {
  const std::vector<uint64_t> zipf = ZipfTrace(20'000, 300'000, 0.99, 42);
  const double zipf_lru = Simulate(zipf, SimulatedPolicy::kLru, 2000).hit_rate();
  const double zipf_tlfu = Simulate(zipf, SimulatedPolicy::kWTinyLfu, 2000).hit_rate();
  const double zipf_opt = Simulate(zipf, SimulatedPolicy::kBelady, 2000).hit_rate();
  EXPECT_GT(zipf_tlfu, zipf_lru + 0.04) << zipf_lru << " vs " << zipf_tlfu;
  EXPECT_LE(zipf_tlfu, zipf_opt);

  const std::vector<uint64_t> scans = ScanPollutedZipfTrace(20'000, 300'000, 0.99, 42, 2000, 4000);
  const double scan_lru = Simulate(scans, SimulatedPolicy::kLru, 2000).hit_rate();
  const double scan_tlfu = Simulate(scans, SimulatedPolicy::kWTinyLfu, 2000).hit_rate();
  EXPECT_GT(scan_tlfu, scan_lru * 1.3) << scan_lru << " vs " << scan_tlfu;
}

TEST(EvictionPolicyTest, TinyLfuKeepsPartOfALoopLargerThanTheCache) {
  const std::vector<uint64_t> loop = LoopTrace(1500, 40);
  EXPECT_EQ(Simulate(loop, SimulatedPolicy::kLru, 1000).hits, 0u);
  EXPECT_GT(Simulate(loop, SimulatedPolicy::kWTinyLfu, 1000).hit_rate(), 0.4);
}

TEST(BeladyTest, BypassesAndEvictsWhatIsUsedFurthestAway) {
  // a b c a b with room for two: c is never used again, so the optimum never caches it.
  const std::vector<uint64_t> trace = {1, 2, 3, 1, 2};
  EXPECT_EQ(Simulate(trace, SimulatedPolicy::kBelady, 2).hits, 2u);
  EXPECT_EQ(Simulate(trace, SimulatedPolicy::kLru, 2).hits, 0u);
  // a b c b a c with room for two: evict a (next used at 4) rather than b (at 3).
  const std::vector<uint64_t> second = {1, 2, 3, 2, 1, 3};
  EXPECT_EQ(Simulate(second, SimulatedPolicy::kBelady, 2).hits, 2u);
}

TEST(BeladyTest, NoPolicyBeatsTheOptimum) {
  const std::vector<uint64_t> trace = ScanPollutedZipfTrace(5000, 50'000, 0.8, 3, 1000, 500);
  for (size_t capacity : {10, 100, 1000}) {
    const double optimum = Simulate(trace, SimulatedPolicy::kBelady, capacity).hit_rate();
    for (SimulatedPolicy p : {SimulatedPolicy::kLru, SimulatedPolicy::kWTinyLfu, SimulatedPolicy::kWTinyLfuFixed}) {
      EXPECT_LE(Simulate(trace, p, capacity).hit_rate(), optimum) << SimulatedPolicyName(p) << " " << capacity;
    }
  }
}

}  // namespace
}  // namespace chinook::cache
