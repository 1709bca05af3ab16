// TieredCache against a real redis-server: read-through, invalidation, and cross-process L1
// coherence through client-side caching (two instances stand for two processes: each has its own
// L1, its own connections and its own invalidation subscription).
#include "cache/tiered_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <latch>
#include <map>
#include <thread>

#include "cache/redis_test_env.h"
#include "common/mutex.h"
#include "testing/status_matchers.h"

namespace chinook::cache {
namespace {

using namespace std::chrono_literals;
using StringTiers = TieredCache<std::string>;

Codec<std::string> StringCodec() {
  return {[](const std::string& v, std::string* out) { out->append(v); },
          [](std::string_view bytes, std::string* out) {
            if (bytes.rfind("corrupt", 0) == 0) return DataLossError("test codec: corrupt bytes");
            out->assign(bytes);
            return Status::Ok();
          }};
}

// The "database": a map with a call counter.
class FakeSource {
 public:
  void Write(const std::string& key, std::string value) {
    MutexLock lock(&mu_);
    rows_[key] = std::move(value);
  }
  StringTiers::Loader Loader() {
    return [this](const std::string& key) -> Result<std::optional<std::string>> {
      calls_.fetch_add(1);
      MutexLock lock(&mu_);
      auto it = rows_.find(key);
      if (it == rows_.end()) return std::optional<std::string>();
      return std::optional<std::string>(it->second);
    };
  }
  StringTiers::ManyLoader ManyLoader() {
    return [this](std::span<const std::string> keys) -> Result<std::vector<std::optional<std::string>>> {
      calls_.fetch_add(1);
      MutexLock lock(&mu_);
      std::vector<std::optional<std::string>> out;
      for (const auto& k : keys) {
        auto it = rows_.find(k);
        out.push_back(it == rows_.end() ? std::nullopt : std::optional<std::string>(it->second));
      }
      last_many_.assign(keys.begin(), keys.end());
      return out;
    };
  }
  int calls() const { return calls_.load(); }
  std::vector<std::string> last_many() {
    MutexLock lock(&mu_);
    return last_many_;
  }

 private:
  Mutex mu_;
  std::map<std::string, std::string> rows_ CHINOOK_GUARDED_BY(mu_);
  std::vector<std::string> last_many_ CHINOOK_GUARDED_BY(mu_);
  std::atomic<int> calls_{0};
};

class TieredCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CHINOOK_REQUIRE_REDIS(endpoint);
    endpoint_ = endpoint;
    options_.key_prefix = testing::TestKeyPrefix("tiered-test");
    options_.listener.client_name = "chinook-test-" + std::to_string(getpid()) + "-" +
                                    ::testing::UnitTest::GetInstance()->current_test_info()->name();
    options_.listener.connection.min_backoff = 10ms;
  }
  void TearDown() override { (void)NewRedisCache(endpoint_)->DeleteMatching(options_.key_prefix + "*"); }

  std::unique_ptr<StringTiers> NewTiers(const TieredCacheOptions& options) {
    auto tiers = std::make_unique<StringTiers>(std::shared_ptr<RemoteCache>(NewRedisCache(endpoint_)), StringCodec(),
                                               options);
    EXPECT_TRUE(tiers->WaitUntilCoherent(std::chrono::steady_clock::now() + 5s));
    return tiers;
  }
  static std::string ValueOf(const Result<std::optional<StringTiers::Ptr>>& r) {
    if (!r.ok()) return "error: " + r.status().ToString();
    if (!r->has_value()) return "absent";
    return ***r;
  }

  RedisEndpoint endpoint_;
  TieredCacheOptions options_;
  FakeSource source_;
};

TEST_F(TieredCacheTest, ReadsThroughAndFillsBothTiers) {
  source_.Write("1", "one");
  auto a = NewTiers(options_);
  EXPECT_EQ(ValueOf(a->Get("1", source_.Loader())), "one");
  EXPECT_EQ(source_.calls(), 1);
  // Filled L2: a fresh process finds it there, without the loader.
  auto b = NewTiers(options_);
  EXPECT_EQ(ValueOf(b->Get("1", source_.Loader())), "one");
  EXPECT_EQ(source_.calls(), 1);
  EXPECT_EQ(b->Stats().l2_hits, 1u);
  // And then from its L1, without Redis.
  EXPECT_EQ(ValueOf(b->Get("1", source_.Loader())), "one");
  EXPECT_EQ(b->Stats().l1.hits, 1u);
  EXPECT_EQ(b->Stats().l2_hits, 1u);

  EXPECT_EQ(ValueOf(a->Get("missing", source_.Loader())), "absent");
}

TEST_F(TieredCacheTest, AStampedeThroughTheTiersLoadsOnce) {
  source_.Write("hot", "value");
  auto tiers = NewTiers(options_);
  constexpr int kThreads = 16;
  std::latch start(kThreads);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      if (ValueOf(tiers->Get("hot", source_.Loader())) != "value") wrong.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(source_.calls(), 1);
  EXPECT_EQ(tiers->Stats().loader_calls, 1u);
}

TEST_F(TieredCacheTest, InvalidateDropsBothTiers) {
  source_.Write("1", "one");
  auto tiers = NewTiers(options_);
  EXPECT_EQ(ValueOf(tiers->Get("1", source_.Loader())), "one");
  source_.Write("1", "uno");
  const std::vector<std::string> keys = {"1"};
  ASSERT_TRUE(tiers->Invalidate(keys).ok());
  EXPECT_EQ(ValueOf(tiers->Get("1", source_.Loader())), "uno");
  EXPECT_EQ(source_.calls(), 2);
  // L2 no longer holds the old value: it is absent, or refilled with the new one (the refill is
  // skipped when the echo of our own delete arrives during the reload).
  EXPECT_NE(NewRedisCache(endpoint_)->Get(options_.key_prefix + "1").value_or("absent"), "one");
}

TEST_F(TieredCacheTest, AWriteInOneInstanceInvalidatesTheOthersL1WithinMilliseconds) {
  source_.Write("42", "before");
  auto writer = NewTiers(options_);
  auto reader = NewTiers(options_);
  // Warm the reader's L1 until it answers from L1 (its own L2 fill is announced back to it once).
  const auto warm_deadline = std::chrono::steady_clock::now() + 5s;
  while (reader->Stats().l1.hits == 0 && std::chrono::steady_clock::now() < warm_deadline) {
    EXPECT_EQ(ValueOf(reader->Get("42", source_.Loader())), "before");
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_GT(reader->Stats().l1.hits, 0u);
  EXPECT_EQ(ValueOf(reader->Get("42", source_.Loader())), "before");  // served from L1

  // Another process changes the row and invalidates.
  source_.Write("42", "after");
  const std::vector<std::string> keys = {"42"};
  const auto written = std::chrono::steady_clock::now();
  ASSERT_TRUE(writer->Invalidate(keys).ok());
  std::string seen;
  while (std::chrono::steady_clock::now() - written < 2s) {
    seen = ValueOf(reader->Get("42", source_.Loader()));
    if (seen == "after") break;
    std::this_thread::sleep_for(200us);
  }
  const auto latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - written);
  EXPECT_EQ(seen, "after") << "the reader's L1 still served the old value after 2 s";
  RecordProperty("invalidation_latency_us", std::to_string(latency.count()));
  std::printf("cross-process invalidation reached the other L1 after %lld us\n",
              static_cast<long long>(latency.count()));
  EXPECT_GE(reader->Stats().remote_invalidations, 1u);
}

TEST_F(TieredCacheTest, WithoutTrackingTheOtherL1StaysStale) {
  // The control for the test above: coherence comes from the tracking, not from timing.
  options_.track_invalidations = false;
  source_.Write("42", "before");
  auto writer = NewTiers(options_);
  auto reader = NewTiers(options_);
  EXPECT_EQ(ValueOf(reader->Get("42", source_.Loader())), "before");
  source_.Write("42", "after");
  const std::vector<std::string> keys = {"42"};
  ASSERT_TRUE(writer->Invalidate(keys).ok());
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(ValueOf(reader->Get("42", source_.Loader())), "before");
}

// Kills this test's subscription connections (found by client name), as a network failure would.
int KillSubscriptions(const RedisEndpoint& endpoint, const std::string& client_name) {
  RedisClient admin(endpoint, RedisOptions{});
  auto list = admin.Command({"CLIENT", "LIST", "TYPE", "pubsub"});
  if (!list.ok()) return 0;
  int killed = 0;
  size_t start = 0;
  while (start < list->str.size()) {
    size_t end = list->str.find('\n', start);
    if (end == std::string::npos) end = list->str.size();
    const std::string line = list->str.substr(start, end - start);
    start = end + 1;
    if (line.find(" name=" + client_name + " ") == std::string::npos) continue;
    const size_t id_at = line.find("id=");
    const std::string id = line.substr(id_at + 3, line.find(' ', id_at) - id_at - 3);
    if (admin.Command({"CLIENT", "KILL", "ID", id}).ok()) ++killed;
  }
  return killed;
}

TEST_F(TieredCacheTest, LosingTheSubscriptionFlushesAndBypassesL1UntilItIsBack) {
  source_.Write("1", "one");
  auto tiers = NewTiers(options_);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ValueOf(tiers->Get("1", source_.Loader())), "one");
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(ValueOf(tiers->Get("1", source_.Loader())), "one");
  ASSERT_GT(tiers->Stats().l1.entries, 0u);
  const uint64_t flushes = tiers->Stats().l1_flushes;

  ASSERT_EQ(KillSubscriptions(endpoint_, options_.listener.client_name), 1);
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (tiers->Stats().l1_flushes == flushes && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_GT(tiers->Stats().l1_flushes, flushes);
  EXPECT_TRUE(tiers->WaitUntilCoherent(std::chrono::steady_clock::now() + 5s));
  EXPECT_EQ(ValueOf(tiers->Get("1", source_.Loader())), "one");  // from L2 after the flush
  EXPECT_EQ(source_.calls(), 1);
}

TEST_F(TieredCacheTest, RedisDownMeansLoaderReadsNeverFailures) {
  RedisEndpoint dead = endpoint_;
  dead.port = testing::kClosedPort;
  source_.Write("1", "one");
  TieredCacheOptions options = options_;
  options.listener.connection.connect_timeout = 50ms;
  StringTiers tiers(std::shared_ptr<RemoteCache>(NewRedisCache(dead)), StringCodec(), options);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(ValueOf(tiers.Get("1", source_.Loader())), "one");
  const TieredCacheStats s = tiers.Stats();
  EXPECT_FALSE(tiers.l1_coherent());
  EXPECT_EQ(s.l1_bypassed, 3u);  // no invalidations can reach us: L1 is not trusted
  EXPECT_EQ(s.loader_calls, 3u);
  EXPECT_GT(s.l2.errors, 0u);
  const std::vector<std::string> keys = {"1"};
  EXPECT_EQ(tiers.Invalidate(keys).code(), StatusCode::kUnavailable);  // and it says so
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (tiers.Stats().listener.last_error.empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  const std::string why = tiers.Stats().listener.last_error;
  EXPECT_NE(why.find(":1/0: connect"), std::string::npos) << why;  // says which server and what failed
}

TEST_F(TieredCacheTest, GetManyAnswersFromEachTierAndLoadsTheRestOnce) {
  for (int i = 0; i < 6; ++i) source_.Write(std::to_string(i), "v" + std::to_string(i));
  auto tiers = NewTiers(options_);
  EXPECT_EQ(ValueOf(tiers->Get("0", source_.Loader())), "v0");  // L1 (and L2)
  ASSERT_TRUE(NewRedisCache(endpoint_)->Set(options_.key_prefix + "1", "v1", 60s).ok());  // L2 only
  ASSERT_TRUE(NewRedisCache(endpoint_)->Set(options_.key_prefix + "2", "corrupt!", 60s).ok());
  // Let the invalidations announcing these three writes arrive first: a write racing with
  // GetMany rightly stops it from caching what it read.
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (tiers->Stats().remote_invalidations < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  const std::vector<std::string> keys = {"0", "1", "2", "3", "nope", "5"};
  const int calls_before = source_.calls();
  auto r = tiers->GetMany(keys, source_.ManyLoader());
  CHINOOK_ASSERT_OK(r);
  ASSERT_EQ(r->size(), keys.size());
  EXPECT_EQ(*(*r)[0].value(), "v0");
  EXPECT_EQ(*(*r)[1].value(), "v1");
  EXPECT_EQ(*(*r)[2].value(), "v2");  // corrupt L2 bytes: reloaded from the source
  EXPECT_EQ(*(*r)[3].value(), "v3");
  EXPECT_FALSE((*r)[4].has_value());
  EXPECT_EQ(*(*r)[5].value(), "v5");
  EXPECT_EQ(source_.calls(), calls_before + 1);
  EXPECT_EQ(source_.last_many(), (std::vector<std::string>{"2", "3", "nope", "5"}));
  EXPECT_EQ(tiers->Stats().l2_decode_errors, 1u);
  // Everything found is now cached: no loader call the second time.
  auto again = tiers->GetMany(keys, source_.ManyLoader());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(source_.calls(), calls_before + 2);  // only "nope", which does not exist
  EXPECT_EQ(source_.last_many(), (std::vector<std::string>{"nope"}));
}

}  // namespace
}  // namespace chinook::cache
