#include "cache/local_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "workload/traces.h"

namespace chinook::cache {
namespace {

using namespace std::chrono_literals;
using StringCache = LocalCache<std::string, std::string>;
using IntCache = LocalCache<int, int>;
using workload::ZipfTrace;

LocalCacheOptions WithClock(std::shared_ptr<ManualClock> clock, LocalCacheOptions options = {}) {
  options.clock = std::move(clock);
  return options;
}

TEST(LocalCacheTest, PutGetInvalidate) {
  StringCache cache({.max_entries = 100});
  EXPECT_FALSE(cache.Get("a").has_value());
  cache.Put("a", "alpha");
  ASSERT_TRUE(cache.Get("a").has_value());
  EXPECT_EQ(*cache.Get("a"), "alpha");
  cache.Put("a", "again");
  EXPECT_EQ(*cache.Get("a"), "again");
  EXPECT_TRUE(cache.Invalidate("a"));
  EXPECT_FALSE(cache.Invalidate("a"));
  EXPECT_FALSE(cache.Get("a").has_value());
  const CacheStats stats = cache.Stats();
  EXPECT_EQ(stats.hits, 3u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.invalidations, 1u);
  EXPECT_NEAR(stats.hit_rate(), 0.6, 1e-9);
}

TEST(LocalCacheTest, NeverHoldsMoreThanMaxEntries) {
  for (EvictionPolicyKind kind : {EvictionPolicyKind::kLru, EvictionPolicyKind::kWTinyLfu}) {
    IntCache cache({.max_entries = 5000, .policy = kind});
    for (int i = 0; i < 50'000; ++i) {
      cache.Put(i, i);
      if (i % 3 == 0) (void)cache.Get(i / 2);
    }
    EXPECT_LE(cache.size(), 5000u);
    EXPECT_GE(cache.size(), 4900u);
    const CacheStats stats = cache.Stats();
    EXPECT_EQ(stats.entries, cache.size());
    EXPECT_EQ(stats.evictions, 50'000u - cache.size());
  }
}

// Hits are buffered per shard and reach the policy in batches; the buffer must be drained before
// any eviction decision, or a fresh hit would not save its entry.
TEST(LocalCacheTest, AHitStillInTheReadBufferCountsBeforeTheNextEviction) {
  IntCache lru({.max_entries = 3, .policy = EvictionPolicyKind::kLru});
  lru.Put(1, 1);
  lru.Put(2, 2);
  lru.Put(3, 3);
  ASSERT_TRUE(lru.Get(1).has_value());  // 2 is now the least recently used
  lru.Put(4, 4);
  EXPECT_FALSE(lru.Get(2).has_value());
  EXPECT_TRUE(lru.Get(1).has_value());
  EXPECT_TRUE(lru.Get(3).has_value());
  EXPECT_TRUE(lru.Get(4).has_value());

  // W-TinyLFU: hits (many batches' worth, and a partial batch at the end) are what make the
  // residents frequent enough to refuse a scan of one-off keys.
  IntCache tlfu({.max_entries = 100, .tinylfu = {.adaptive_window = false}});
  for (int k = 0; k < 100; ++k) tlfu.Put(k, k);
  for (int round = 0; round < 4; ++round) {
    for (int k = 0; k < 100; ++k) ASSERT_TRUE(tlfu.Get(k).has_value()) << k;
  }
  ASSERT_TRUE(tlfu.Get(7).has_value());
  for (int k = 1000; k < 1500; ++k) tlfu.Put(k, k);
  int resident = 0;
  for (int k = 0; k < 100; ++k) resident += tlfu.Get(k).has_value();
  EXPECT_GE(resident, 98);
  EXPECT_GE(tlfu.Stats().admissions_rejected, 450u);
}

// An entry whose hit is still buffered may be removed (invalidated, expired, swept, replaced by
// eviction); the buffer must never reach the policy with it afterwards (ASan sees a use after free).
TEST(LocalCacheTest, AnEntryRemovedWhileItsHitIsBufferedIsNeverTouchedAgain) {
  auto clock = std::make_shared<ManualClock>();
  StringCache cache(WithClock(clock, {.max_entries = 1000, .default_ttl = 10s}));
  cache.Put("gone", "g");
  cache.Put("expires", "e");
  cache.Put("stays", "s");
  ASSERT_TRUE(cache.Get("gone").has_value());
  ASSERT_TRUE(cache.Get("expires").has_value());
  EXPECT_TRUE(cache.Invalidate("gone"));
  cache.Put("expires", "e2", 1s);
  ASSERT_TRUE(cache.Get("expires").has_value());
  clock->Advance(2s);
  EXPECT_FALSE(cache.Get("expires").has_value());  // found expired, removed
  for (int i = 0; i < 40; ++i) ASSERT_EQ(cache.Get("stays").value_or(""), "s") << i;
  cache.InvalidateAll();
  EXPECT_EQ(cache.size(), 0u);
  cache.Put("after", "a");
  for (int i = 0; i < 40; ++i) ASSERT_EQ(cache.Get("after").value_or(""), "a") << i;
  const CacheStats stats = cache.Stats();
  EXPECT_EQ(stats.hits, 83u);
  EXPECT_EQ(stats.expirations, 1u);
  EXPECT_EQ(stats.invalidations, 2u);  // "gone", then "stays" by InvalidateAll
}

TEST(LocalCacheTest, ByteBoundCountsWhatTheWeigherSays) {
  LocalCache<int, std::string> cache({.max_entries = 100'000, .max_bytes = 64 * 1024, .num_shard_bits = 2},
                                     [](const int&, const std::string& v) { return v.size(); });
  for (int i = 0; i < 1000; ++i) cache.Put(i, std::string(1000, 'x'));
  const CacheStats stats = cache.Stats();
  EXPECT_LE(stats.bytes, 64u * 1024);
  EXPECT_GE(stats.entries, 50u);  // 64 KiB over four shards holds ~64 values of 1000 bytes
  EXPECT_LE(stats.entries, 64u);
}

TEST(LocalCacheTest, EntriesExpireAtTheirTtl) {
  auto clock = std::make_shared<ManualClock>();
  StringCache cache(WithClock(clock, {.default_ttl = 10s}));
  cache.Put("default", "d");
  cache.Put("short", "s", 2s);
  cache.Put("forever", "f", 0s);
  clock->Advance(1999ms);
  EXPECT_TRUE(cache.Get("short").has_value());
  clock->Advance(1ms);
  EXPECT_FALSE(cache.Get("short").has_value());
  EXPECT_TRUE(cache.Get("default").has_value());
  clock->Advance(8s);
  EXPECT_FALSE(cache.Get("default").has_value());
  clock->Advance(std::chrono::hours(24 * 365));
  EXPECT_TRUE(cache.Get("forever").has_value());
  EXPECT_EQ(cache.Stats().expirations, 2u);
}

TEST(LocalCacheTest, PeriodicSweepDropsExpiredEntriesNobodyAsksFor) {
  auto clock = std::make_shared<ManualClock>();
  IntCache cache(WithClock(clock, {.default_ttl = 5s, .sweep_interval = 1s, .num_shard_bits = 0}));
  for (int i = 0; i < 100; ++i) cache.Put(i, i);
  cache.Put(1000, 1000, 1h);
  clock->Advance(6s);
  EXPECT_EQ(cache.size(), 101u);  // lazily expired: nothing has looked yet
  (void)cache.Get(1000);            // any operation on the shard runs the due sweep
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Stats().expirations, 100u);

  for (int i = 0; i < 10; ++i) cache.Put(i, i, 1s);
  clock->Advance(2s);
  EXPECT_EQ(cache.SweepExpired(), 10u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(LocalCacheTest, StampedeOfConcurrentMissesRunsTheLoaderOnce) {
  StringCache cache({.max_entries = 100});
  constexpr int kThreads = 16;
  std::atomic<int> loader_calls{0};
  std::latch release(1);
  std::vector<std::thread> threads;
  std::vector<std::string> seen(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto r = cache.GetOrLoad("hot", [&]() -> StringCache::LoadResult {
        loader_calls.fetch_add(1);
        release.wait();
        return std::optional<std::string>("loaded");
      });
      seen[t] = r.ok() && r->has_value() ? **r : "error";
    });
  }
  // Release the loader only when every other thread is waiting on it.
  while (cache.Stats().coalesced_waits < kThreads - 1) std::this_thread::yield();
  release.count_down();
  for (auto& t : threads) t.join();
  EXPECT_EQ(loader_calls.load(), 1);
  for (const auto& s : seen) EXPECT_EQ(s, "loaded");
  const CacheStats stats = cache.Stats();
  EXPECT_EQ(stats.loads, 1u);
  EXPECT_EQ(*cache.Get("hot"), "loaded");
}

TEST(LocalCacheTest, WithoutCoalescingEveryMissLoads) {
  StringCache cache({.max_entries = 100, .coalesce_loads = false});
  constexpr int kThreads = 8;
  std::atomic<int> loader_calls{0};
  std::latch all_in(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      (void)cache.GetOrLoad("hot", [&]() -> StringCache::LoadResult {
        loader_calls.fetch_add(1);
        all_in.arrive_and_wait();  // every thread is inside its own loader at once
        return std::optional<std::string>("loaded");
      });
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(loader_calls.load(), kThreads);
}

TEST(LocalCacheTest, ALoadErrorIsSharedWithWaitersAndNotCached) {
  StringCache cache({.max_entries = 100});
  std::latch release(1);
  std::atomic<int> loader_calls{0};
  auto failing = [&]() -> StringCache::LoadResult {
    loader_calls.fetch_add(1);
    release.wait();
    return UnavailableError("db down");
  };
  StringCache::LoadResult waiter_result = std::optional<std::string>();
  std::thread leader([&] { (void)cache.GetOrLoad("k", failing); });
  while (loader_calls.load() == 0) std::this_thread::yield();
  std::thread waiter([&] { waiter_result = cache.GetOrLoad("k", failing); });
  while (cache.Stats().coalesced_waits == 0) std::this_thread::yield();
  release.count_down();
  leader.join();
  waiter.join();
  ASSERT_FALSE(waiter_result.ok());
  EXPECT_EQ(waiter_result.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(loader_calls.load(), 1);
  // Not cached: the next call tries again.
  auto again = cache.GetOrLoad("k", [&]() -> StringCache::LoadResult {
    loader_calls.fetch_add(1);
    return std::optional<std::string>("v");
  });
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(**again, "v");
  EXPECT_EQ(loader_calls.load(), 2);
  EXPECT_EQ(cache.Stats().load_errors, 1u);
}

TEST(LocalCacheTest, AWaiterGivesUpAtItsDeadlineAndTheLoadStillFillsTheCache) {
  StringCache cache({.max_entries = 100});
  std::latch release(1);
  std::atomic<bool> loading{false};
  std::thread leader([&] {
    (void)cache.GetOrLoad("k", [&]() -> StringCache::LoadResult {
      loading = true;
      release.wait();
      return std::optional<std::string>("late");
    });
  });
  while (!loading) std::this_thread::yield();
  auto r = cache.GetOrLoad(
      "k", []() -> StringCache::LoadResult { return InternalError("a waiter must not load"); },
      {.deadline = std::chrono::steady_clock::now() + 20ms});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded);
  release.count_down();
  leader.join();
  EXPECT_EQ(*cache.Get("k"), "late");
  EXPECT_EQ(cache.Stats().wait_timeouts, 1u);
}

TEST(LocalCacheTest, NegativeCachingRemembersNotFoundForItsTtl) {
  auto clock = std::make_shared<ManualClock>();
  StringCache cache(WithClock(clock, {.negative_ttl = 30s}));
  int loader_calls = 0;
  auto absent = [&]() -> StringCache::LoadResult {
    ++loader_calls;
    return std::optional<std::string>();
  };
  for (int i = 0; i < 3; ++i) {
    auto r = cache.GetOrLoad("ghost", absent);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->has_value());
  }
  EXPECT_EQ(loader_calls, 1);
  EXPECT_EQ(cache.Stats().negative_hits, 2u);
  EXPECT_FALSE(cache.Get("ghost").has_value());  // Get never returns a cached absence as a value
  clock->Advance(31s);
  (void)cache.GetOrLoad("ghost", absent);
  EXPECT_EQ(loader_calls, 2);

  StringCache no_negative({});
  int calls = 0;
  auto counted = [&]() -> StringCache::LoadResult {
    ++calls;
    return std::optional<std::string>();
  };
  (void)no_negative.GetOrLoad("ghost", counted);
  (void)no_negative.GetOrLoad("ghost", counted);
  EXPECT_EQ(calls, 2);
}

TEST(LocalCacheTest, InvalidationDuringALoadKeepsTheLoadedValueOut) {
  StringCache cache({.max_entries = 100});
  std::latch release(1);
  std::atomic<bool> loading{false};
  StringCache::LoadResult got = std::optional<std::string>();
  std::thread leader([&] {
    got = cache.GetOrLoad("k", [&]() -> StringCache::LoadResult {
      loading = true;
      release.wait();
      return std::optional<std::string>("read before the write");
    });
  });
  while (!loading) std::this_thread::yield();
  cache.Invalidate("k");  // a write happened while the load was reading the old value
  release.count_down();
  leader.join();
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(**got, "read before the write");  // the caller still gets its answer
  EXPECT_FALSE(cache.Get("k").has_value());  // but it is not cached
}

TEST(LocalCacheTest, ALoaderExceptionBecomesAnInternalError) {
  StringCache cache({});
  auto r = cache.GetOrLoad("k", []() -> StringCache::LoadResult { throw std::runtime_error("boom"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("boom"), std::string::npos);
}

TEST(LocalCacheTest, InvalidateAllEmptiesEveryShard) {
  IntCache cache({.max_entries = 10'000});
  ASSERT_GT(cache.shard_count(), 1u);
  for (int i = 0; i < 5000; ++i) cache.Put(i, i);
  cache.InvalidateAll();
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.Stats().bytes, 0u);
  EXPECT_FALSE(cache.Get(42).has_value());
}

TEST(LocalCacheTest, ConcurrentMixedOperationsKeepTheBounds) {
  IntCache cache({.max_entries = 2000});
  std::vector<std::thread> threads;
  std::atomic<int> wrong_values{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      uint64_t x = 0x9e3779b97f4a7c15ULL * (t + 1);
      for (int i = 0; i < 50'000; ++i) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        const int key = static_cast<int>(x % 10'000);
        switch (x >> 60 & 3) {
          case 0:
            cache.Put(key, key * 2);
            break;
          case 1:
            cache.Invalidate(key);
            break;
          default: {
            auto r = cache.GetOrLoad(key, [&]() -> IntCache::LoadResult { return std::optional<int>(key * 2); });
            if (!r.ok() || !r->has_value() || **r != key * 2) wrong_values.fetch_add(1);
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong_values.load(), 0);
  EXPECT_LE(cache.size(), 2000u);
}

TEST(LocalCacheTest, ShardsFollowOneHillClimberOnARecencyBiasedWorkload) {
  // Each key is hot for a while after it first appears, then never again: LRU-friendly.
  const std::vector<uint64_t> offsets = ZipfTrace(20'000, 600'000, 0.9, 7);
  std::vector<uint64_t> trace(offsets.size());
  for (size_t i = 0; i < trace.size(); ++i) trace[i] = i / 2 + (20'000 - 1 - offsets[i]);
  const auto replay = [&](bool adaptive) {
    LocalCacheOptions options{.max_entries = 8192, .default_ttl = nanoseconds(0), .num_shard_bits = 3};
    options.tinylfu.adaptive_window = adaptive;
    LocalCache<uint64_t, bool> cache(options);
    for (uint64_t key : trace) {
      if (!cache.Get(key)) cache.Put(key, true);
    }
    return std::make_pair(cache.Stats().hit_rate(), cache.window_capacity());
  };
  const auto [fixed_rate, fixed_window] = replay(false);
  const auto [adaptive_rate, adaptive_window] = replay(true);
  EXPECT_LE(fixed_window, 8u * 1 + 8192 / 100);  // 1% of each shard
  EXPECT_GT(adaptive_window, 8192u / 5) << "the window should have grown well past 1%";
  EXPECT_GT(adaptive_rate, fixed_rate + 0.05) << fixed_rate << " vs " << adaptive_rate;
}

}  // namespace
}  // namespace chinook::cache
