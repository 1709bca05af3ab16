#include "cache/sim/rival_policies.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cache/simulation.h"
#include "workload/traces.h"

namespace chinook::cache::sim {
namespace {

using workload::ScanPollutedZipfTrace;
using workload::ZipfTrace;

// Replays `trace` and returns the positions (0-based) of the requests that hit.
std::vector<int> Hits(KeyPolicy& policy, const std::vector<uint64_t>& trace, size_t capacity) {
  std::vector<int> hits;
  for (size_t i = 0; i < trace.size(); ++i) {
    if (policy.Access(trace[i])) hits.push_back(static_cast<int>(i));
    EXPECT_LE(policy.size(), capacity) << "after request " << i;
  }
  return hits;
}

// Keys as letters, so the hand computations in the comments read as in the papers.
std::vector<uint64_t> Letters(const std::string& s) { return std::vector<uint64_t>(s.begin(), s.end()); }

std::vector<uint64_t> Concat(std::vector<uint64_t> a, const std::vector<uint64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t k = first; k <= last; ++k) out.push_back(k);
  return out;
}

TEST(SieveTest, HandMovesPastVisitedKeysAndEvictsTheFirstUnvisited) {
  // c = 3. A B C fill [A B C], hand at A. A hits (A visited). D: the hand clears A and evicts B,
  // stopping at C. B: evicts C. E: evicts D. A hits: it survived three evictions without moving.
  // LRU would have evicted A at E's miss.
  auto sieve = NewSievePolicy(3);
  EXPECT_EQ(Hits(*sieve, Letters("ABCADBEA"), 3), (std::vector<int>{3, 7}));
}

TEST(SieveTest, HandWrapsFromTheNewestToTheOldest) {
  // c = 2. A B, both hit. C: the hand clears A, clears B, wraps and evicts A. A: evicts B (its bit
  // was cleared), hand at C. B: evicts C. No hit after the first two.
  auto sieve = NewSievePolicy(2);
  EXPECT_EQ(Hits(*sieve, Letters("ABABCAB"), 2), (std::vector<int>{2, 3}));
}

TEST(ArcTest, KeysSeenTwiceSurviveAScanThroughT1) {
  // c = 2. A, A (A moves to T2), B C (T1 churns; B goes to B1), A hits. LRU loses A to C.
  auto arc = NewArcPolicy(2);
  EXPECT_EQ(Hits(*arc, Letters("AABCA"), 2), (std::vector<int>{1, 4}));
}

TEST(ArcTest, GhostHitsMoveTheTarget) {
  // c = 2, p = 0. A B, A hits (T2 = [A], T1 = [B]). C: T1's LRU B goes to B1. B: in B1, p = 1;
  // |T1| = 1 is not above p, so T2's A goes to B2, B joins T2. A: in B2, p = 0; T1's C goes to B1.
  // C: in B1, p = 1, T2's B goes to B2. B: in B2, p = 0, T2's A goes to B2. One hit in 8.
  auto arc = NewArcPolicy(2);
  EXPECT_EQ(Hits(*arc, Letters("ABACBACB"), 2), (std::vector<int>{2}));
}

TEST(LirsTest, LirKeysStayWhileHirKeysPassThrough) {
  // c = 3: two LIR slots, one HIR slot. A B are LIR; C D E pass through the HIR slot; A B hit
  // throughout (LRU, cycling 3 slots over 5 keys, keeps only A B at the end: 2 hits).
  auto lirs = NewLirsPolicy(3);
  EXPECT_EQ(Hits(*lirs, Letters("ABCDABEABC"), 3), (std::vector<int>{4, 5, 7, 8}));
}

TEST(LirsTest, NonResidentHirKeyWithShortRecencyBecomesLir) {
  // c = 3. A B LIR; C then D pass the HIR slot (C non-resident in S). C again: its recency beats
  // LIR A's, so C becomes LIR and A is demoted to the HIR slot; A hits there; B hits. D misses
  // (A leaves Q, non-resident). A misses but is in S: LIR again, C demoted; C hits in Q.
  auto lirs = NewLirsPolicy(3);
  EXPECT_EQ(Hits(*lirs, Letters("ABCDCABDAC"), 3), (std::vector<int>{5, 6, 9}));
}

TEST(LirsTest, LoopLargerThanTheCacheKeepsTheLirSet) {
  // The LIRS paper's motivating case: LRU gets nothing from a loop longer than the cache, LIRS
  // keeps its LIR set (capacity minus the 1% HIR share) resident and hits it on every pass.
  std::vector<uint64_t> trace;
  for (int pass = 0; pass < 10; ++pass) trace = Concat(trace, Range(0, 99));
  auto lirs = NewLirsPolicy(50);
  EXPECT_GE(Hits(*lirs, trace, 50).size(), 9u * 49u);
  EXPECT_EQ(Simulate(trace, SimulatedPolicy::kLru, 50).hits, 0u);
}

TEST(S3FifoTest, WarmUpFillsMainThenOneHitWondersGoToTheGhost) {
  // c = 10: S holds 1, M 9, G 9. Keys 1..10: 1 enters S, 2..10 go to M (S is full before any
  // eviction). 11 evicts 1 from S into G. 1 is found in G: it enters M (11 goes to G). 2 hits in
  // M. 12: M is over its size: 2 is reinserted (counter 1 -> 0), 3 evicted. 3 misses (not in G),
  // 12 goes to G, then 12 is found in G and joins M. 1 hits in M.
  const auto trace = Concat(Range(1, 10), {11, 1, 2, 12, 3, 12, 1});
  auto s3 = NewS3FifoPolicy(10);
  EXPECT_EQ(Hits(*s3, trace, 10), (std::vector<int>{12, 16}));
}

TEST(S3FifoTest, KeyMovesToMainOnlyAfterTwoHitsInSmall) {
  // After warm-up (S = [11]), one hit on 11 is not enough (libCacheSim's threshold 2): 13 evicts
  // it to G and the next 11 misses. Two hits are: 11 moves to M and hits after 13.
  const auto warm = Concat(Range(1, 10), {11});
  auto once = NewS3FifoPolicy(10);
  EXPECT_EQ(Hits(*once, Concat(warm, {11, 13, 11}), 10), (std::vector<int>{11}));
  auto twice = NewS3FifoPolicy(10);
  EXPECT_EQ(Hits(*twice, Concat(warm, {11, 11, 13, 11, 2}), 10), (std::vector<int>{11, 12, 14}));
}

TEST(RivalPoliciesTest, ScanResistantPoliciesBeatLruOnAScannedZipf) {
  // The papers' common claim: on a skewed workload polluted by one-time scans, ARC, LIRS and
  // S3-FIFO keep the hot set that LRU flushes, and none beats Belady's optimum.
  const auto trace = ScanPollutedZipfTrace(20'000, 200'000, 0.9, 3, 2'000, 4'000);
  const double lru = Simulate(trace, SimulatedPolicy::kLru, 1000).hit_rate();
  const double opt = Simulate(trace, SimulatedPolicy::kBelady, 1000).hit_rate();
  for (SimulatedPolicy p : {SimulatedPolicy::kArc, SimulatedPolicy::kLirs, SimulatedPolicy::kS3Fifo}) {
    const double rate = Simulate(trace, p, 1000).hit_rate();
    EXPECT_GT(rate, lru + 0.02) << SimulatedPolicyName(p);
    EXPECT_LE(rate, opt) << SimulatedPolicyName(p);
  }
  // SIEVE (a FIFO with a visited bit) keeps popular keys through scans too, and at least matches LRU.
  EXPECT_GE(Simulate(trace, SimulatedPolicy::kSieve, 1000).hit_rate(), lru);
}

TEST(RivalPoliciesTest, NeverHoldMoreThanTheCapacity) {
  const auto trace = ZipfTrace(500, 20'000, 0.7, 11);
  for (size_t capacity : {1, 2, 7, 64}) {
    for (auto* factory : {&NewArcPolicy, &NewLirsPolicy, &NewS3FifoPolicy, &NewSievePolicy}) {
      auto policy = (*factory)(capacity);
      const auto hits = Hits(*policy, trace, capacity);
      EXPECT_GT(hits.size(), 0u) << capacity;
      EXPECT_EQ(policy->size(), capacity);
    }
  }
}

TEST(SimulatedPolicyTest, NamesRoundTrip) {
  for (SimulatedPolicy p : AllSimulatedPolicies()) {
    auto parsed = ParseSimulatedPolicy(SimulatedPolicyName(p));
    ASSERT_TRUE(parsed.ok()) << SimulatedPolicyName(p);
    EXPECT_EQ(*parsed, p);
  }
  auto bad = ParseSimulatedPolicy("fifo");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string(bad.status().message()).find("s3fifo"), std::string::npos);
}

}  // namespace
}  // namespace chinook::cache::sim
