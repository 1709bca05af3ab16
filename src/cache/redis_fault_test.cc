// The Redis tier when the network or the server misbehaves, simulated with a TCP proxy between
// the client and a real redis-server (so that no other test's server is disturbed).
#include <gtest/gtest.h>
#include <unistd.h>

#include <thread>

#include "cache/redis_cache.h"
#include "cache/redis_test_env.h"
#include "cache/tiered_cache.h"
#include "testing/status_matchers.h"
#include "testing/tcp_proxy.h"

namespace chinook::cache {
namespace {

using namespace std::chrono_literals;

class RedisFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CHINOOK_REQUIRE_REDIS(endpoint);
    real_ = endpoint;
    proxy_ = std::make_unique<::chinook::testing::TcpProxy>(::chinook::testing::ServerAddress{real_.host, real_.port});
    ASSERT_TRUE(proxy_->Start().ok());
    via_proxy_ = real_;
    via_proxy_.port = proxy_->port();
    prefix_ = testing::TestKeyPrefix("fault-test");
  }
  void TearDown() override {
    if (proxy_ != nullptr) (void)NewRedisCache(real_)->DeleteMatching(prefix_ + "*");
  }

  RedisEndpoint real_;
  RedisEndpoint via_proxy_;
  std::unique_ptr<::chinook::testing::TcpProxy> proxy_;
  std::string prefix_;
};

TEST_F(RedisFaultTest, AHungServerTimesOutIntoAMissAndTheClientRecovers) {
  RedisCacheOptions options;
  options.connection.command_timeout = 50ms;
  options.connection.min_backoff = 10ms;
  options.connection.connections = 1;
  auto cache = NewRedisCache(via_proxy_, options);
  ASSERT_TRUE(cache->Set(prefix_ + "k", "v", 60s).ok());
  proxy_->SetBlackHole(true);  // connected, but nothing comes back
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(cache->Get(prefix_ + "k").has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);  // bounded by the timeout, not the hang
  EXPECT_EQ(cache->Stats().errors, 1u);
  EXPECT_EQ(cache->Stats().misses, 1u);
  proxy_->SetBlackHole(false);
  // After the backoff the client reconnects and reads again.
  std::optional<std::string> again;
  for (int i = 0; i < 200 && !again.has_value(); ++i) {
    again = cache->Get(prefix_ + "k");
    if (!again) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, "v");
}

TEST_F(RedisFaultTest, ARedisRestartFlushesL1AndServesFromTheLoaderMeanwhile) {
  TieredCacheOptions options;
  options.key_prefix = prefix_;
  options.listener.client_name = "chinook-fault-test-" + std::to_string(getpid());
  options.listener.connection.min_backoff = 10ms;
  options.listener.connection.max_backoff = 50ms;
  options.listener.connection.connect_timeout = 100ms;
  RedisCacheOptions redis;
  redis.connection.min_backoff = 10ms;
  redis.connection.max_backoff = 50ms;
  Codec<std::string> codec{[](const std::string& v, std::string* out) { out->append(v); },
                           [](std::string_view b, std::string* out) {
                             out->assign(b);
                             return Status::Ok();
                           }};
  TieredCache<std::string> tiers(std::shared_ptr<RemoteCache>(NewRedisCache(via_proxy_, redis)), codec, options);
  ASSERT_TRUE(tiers.WaitUntilCoherent(std::chrono::steady_clock::now() + 5s));
  int loads = 0;
  auto loader = [&](const std::string&) -> Result<std::optional<std::string>> {
    ++loads;
    return std::optional<std::string>("value");
  };
  for (int i = 0; i < 20 && tiers.Stats().l1.hits == 0; ++i) {
    ASSERT_TRUE(tiers.Get("k", loader).ok());
    std::this_thread::sleep_for(2ms);
  }
  ASSERT_GT(tiers.Stats().l1.entries, 0u);

  proxy_->Stop();  // Redis goes away: every connection through the proxy drops
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (tiers.l1_coherent() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  ASSERT_FALSE(tiers.l1_coherent());
  EXPECT_EQ(tiers.Stats().l1.entries, 0u);  // flushed: invalidations may be lost from now on
  const int loads_before = loads;
  for (int i = 0; i < 3; ++i) {
    auto r = tiers.Get("k", loader);
    CHINOOK_ASSERT_OK(r);  // never a failed read
    EXPECT_EQ(***r, "value");
  }
  EXPECT_EQ(loads, loads_before + 3);  // L1 bypassed, L2 down: the loader answers

  ASSERT_TRUE(proxy_->Start().ok());  // back on the same port
  EXPECT_TRUE(tiers.WaitUntilCoherent(std::chrono::steady_clock::now() + 5s));
  EXPECT_GE(tiers.Stats().l1_flushes, 2u);
}

}  // namespace
}  // namespace chinook::cache
