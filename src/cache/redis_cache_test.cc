// RedisCache and ShardedRedisCache against real redis-servers (ci/services.sh starts three).
#include "cache/redis_cache.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "cache/ketama.h"
#include "cache/redis_test_env.h"
#include "testing/status_matchers.h"

namespace chinook::cache {
namespace {

using namespace std::chrono_literals;

TEST(RedisUrlTest, ParsesEveryPart) {
  auto full = ParseRedisUrl("redis://alice:s%40cret@cache.example:6380/3");
  CHINOOK_ASSERT_OK(full);
  EXPECT_EQ(full->host, "cache.example");
  EXPECT_EQ(full->port, 6380);
  EXPECT_EQ(full->username, "alice");
  EXPECT_EQ(full->password, "s@cret");
  EXPECT_EQ(full->db, 3);
  EXPECT_EQ(full->ToString(), "redis://cache.example:6380/3");  // never the password

  auto password_only = ParseRedisUrl("redis://:pw@127.0.0.1:7000");
  ASSERT_TRUE(password_only.ok());
  EXPECT_EQ(password_only->username, "");
  EXPECT_EQ(password_only->password, "pw");
  EXPECT_EQ(password_only->db, 0);

  auto defaults = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->port, 6379);

  auto v6 = ParseRedisUrl("redis://[::1]:7001/2");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 7001);
}

TEST(RedisUrlTest, RejectsMalformedUrlsWithoutEchoingThePassword) {
  for (const char* bad : {"http://h:1", "redis://", "redis://h:0", "redis://h:99999", "redis://h:abc",
                          "redis://h:1/x", "redis://h:1/-1", "rediss://h:1", "redis://[::1", "redis://h:",
                          "redis://u:p%zz@h:1", "redis://h:1?timeout=3"}) {
    auto r = ParseRedisUrl(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  auto secret = ParseRedisUrl("redis://user:topsecret@h:notaport");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().message().find("topsecret"), std::string::npos) << secret.status().message();

  auto list = ParseRedisUrlList("redis://a:1, redis://b:2,redis://c:3");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 3u);
  EXPECT_FALSE(ParseRedisUrlList("").ok());
  EXPECT_FALSE(ParseRedisUrlList("redis://a:1,bogus").ok());
}

class RedisCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CHINOOK_REQUIRE_REDIS(endpoint);
    endpoint_ = endpoint;
    prefix_ = testing::TestKeyPrefix("test");
    raw_ = std::make_unique<RedisClient>(endpoint_, RedisOptions{});
  }
  void TearDown() override {
    if (raw_ != nullptr) {
      (void)NewRedisCache(endpoint_)->DeleteMatching(prefix_ + "*");
    }
  }
  std::string Key(const std::string& k) const { return prefix_ + k; }

  RedisEndpoint endpoint_;
  std::string prefix_;
  std::unique_ptr<RedisClient> raw_;  // to look at what is really stored
};

TEST_F(RedisCacheTest, StoresPayloadsWithAFormatByteAndATtl) {
  auto cache = NewRedisCache(endpoint_);
  const std::string payload("\x00\x01binary\xff", 9);
  ASSERT_TRUE(cache->Set(Key("a"), payload, 60s).ok());
  auto got = cache->Get(Key("a"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, payload);

  auto raw = raw_->Command({"GET", Key("a")});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->str, std::string("\x01") + payload);
  auto pttl = raw_->Command({"PTTL", Key("a")});
  ASSERT_TRUE(pttl.ok());
  EXPECT_GT(pttl->integer, 50'000);
  EXPECT_LE(pttl->integer, 60'000);

  EXPECT_FALSE(cache->Get(Key("absent")).has_value());
  const RemoteCacheStats s = cache->Stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.errors, 0u);
}

TEST_F(RedisCacheTest, ForeignOrOldFormatsAreMissesNotGarbage) {
  auto cache = NewRedisCache(endpoint_);
  ASSERT_TRUE(raw_->Command({"SET", Key("json"), "{\"id\":\"1\"}"}).ok());
  ASSERT_TRUE(raw_->Command({"SET", Key("empty"), ""}).ok());
  ASSERT_TRUE(raw_->Command({"LPUSH", Key("list"), "x"}).ok());
  EXPECT_FALSE(cache->Get(Key("json")).has_value());
  EXPECT_FALSE(cache->Get(Key("empty")).has_value());
  EXPECT_FALSE(cache->Get(Key("list")).has_value());  // WRONGTYPE: an error, still a miss
  const RemoteCacheStats s = cache->Stats();
  EXPECT_EQ(s.format_errors, 2u);
  EXPECT_EQ(s.errors, 1u);
  EXPECT_EQ(s.misses, 3u);

  RedisCacheOptions v2;
  v2.format = 0x02;  // a newer writer: this reader must not decode its bytes
  ASSERT_TRUE(NewRedisCache(endpoint_, v2)->Set(Key("v2"), "payload", 60s).ok());
  EXPECT_FALSE(cache->Get(Key("v2")).has_value());
}

TEST_F(RedisCacheTest, GetManyAnswersInOrder) {
  auto cache = NewRedisCache(endpoint_);
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 50; i += 2) entries.emplace_back(Key(std::to_string(i)), std::string("v").append(std::to_string(i)));
  ASSERT_TRUE(cache->SetMany(entries, 60s).ok());
  std::vector<std::string> keys;
  for (int i = 0; i < 50; ++i) keys.push_back(Key(std::to_string(i)));
  const auto values = cache->GetMany(keys);
  ASSERT_EQ(values.size(), 50u);
  for (int i = 0; i < 50; ++i) {
    if (i % 2 == 0) {
      ASSERT_TRUE(values[i].has_value()) << i;
      EXPECT_EQ(*values[i], std::string("v").append(std::to_string(i)));
    } else {
      EXPECT_FALSE(values[i].has_value()) << i;
    }
  }
  EXPECT_TRUE(cache->GetMany({}).empty());
}

// calls=N of one command in INFO commandstats (0 when it never ran).
long long CommandCalls(RedisClient& client, const std::string& command) {
  auto info = client.Command({"INFO", "commandstats"});
  if (!info.ok()) return -1;
  const std::string tag = "cmdstat_" + command + ":calls=";
  const size_t at = info->str.find(tag);
  return at == std::string::npos ? 0 : std::stoll(info->str.substr(at + tag.size()));
}

TEST_F(RedisCacheTest, DeleteMatchingScansAndUnlinksInBatchesNeverKeys) {
  RedisCacheOptions options;
  options.scan_batch = 100;
  auto cache = NewRedisCache(endpoint_, options);
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 1500; ++i) entries.emplace_back(Key("doomed:" + std::to_string(i)), "x");
  for (int i = 0; i < 20; ++i) entries.emplace_back(Key("kept:" + std::to_string(i)), "y");
  ASSERT_TRUE(cache->SetMany(entries, 60s).ok());
  const long long keys_before = CommandCalls(*raw_, "keys");
  const long long scans_before = CommandCalls(*raw_, "scan");
  auto removed = cache->DeleteMatching(Key("doomed:*"));
  CHINOOK_ASSERT_OK(removed);
  EXPECT_EQ(*removed, 1500u);
  EXPECT_EQ(CommandCalls(*raw_, "keys"), keys_before);
  EXPECT_GT(CommandCalls(*raw_, "scan"), scans_before + 1);  // paged, not one giant call
  EXPECT_FALSE(cache->Get(Key("doomed:7")).has_value());
  EXPECT_TRUE(cache->Get(Key("kept:7")).has_value());
}

TEST_F(RedisCacheTest, CountersForListGenerations) {
  auto cache = NewRedisCache(endpoint_);
  auto zero = cache->ReadCounter(Key("gen"));
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, 0);
  ASSERT_TRUE(cache->Increment(Key("gen")).ok());
  auto two = cache->Increment(Key("gen"));
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, 2);
  auto read = cache->ReadCounter(Key("gen"));
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, 2);
  ASSERT_TRUE(raw_->Command({"SET", Key("notanumber"), "abc"}).ok());
  EXPECT_EQ(cache->ReadCounter(Key("notanumber")).status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(cache->Increment(Key("notanumber")).ok());
}

TEST_F(RedisCacheTest, ADownServerIsAMissAndAnErrorNeverAFailure) {
  RedisEndpoint dead = endpoint_;
  dead.port = testing::kClosedPort;
  auto cache = NewRedisCache(dead);
  EXPECT_FALSE(cache->Get(Key("a")).has_value());
  const auto values = cache->GetMany({Key("a"), Key("b")});
  EXPECT_FALSE(values[0].has_value());
  EXPECT_FALSE(values[1].has_value());
  const Status set = cache->Set(Key("a"), "x", 1s);
  EXPECT_EQ(set.code(), StatusCode::kUnavailable);
  EXPECT_NE(set.message().find(std::to_string(dead.port)), std::string::npos) << set.message();
  const RemoteCacheStats s = cache->Stats();
  EXPECT_EQ(s.errors, 3u);
  EXPECT_EQ(s.misses, 3u);
  EXPECT_EQ(s.hits, 0u);
}

TEST_F(RedisCacheTest, PasswordAndDatabaseFromTheUrl) {
  const std::string user = "chinook_test_" + std::to_string(getpid());
  ASSERT_TRUE(raw_->Command({"ACL", "SETUSER", user, "on", ">s3cret", "~*", "+@all"}).ok());
  auto url = ParseRedisUrl("redis://" + user + ":s3cret@" + endpoint_.host + ":" + std::to_string(endpoint_.port) + "/5");
  ASSERT_TRUE(url.ok());
  auto cache = NewRedisCache(*url);
  ASSERT_TRUE(cache->Set(Key("in-db-5"), "v", 60s).ok());
  EXPECT_TRUE(cache->Get(Key("in-db-5")).has_value());
  EXPECT_FALSE(NewRedisCache(endpoint_)->Get(Key("in-db-5")).has_value());  // not in db 0

  RedisEndpoint wrong = *url;
  wrong.password = "nope";
  auto denied = NewRedisCache(wrong);
  EXPECT_FALSE(denied->Get(Key("in-db-5")).has_value());
  EXPECT_EQ(denied->Stats().errors, 1u);
  EXPECT_TRUE(cache->Delete({Key("in-db-5")}).ok());
  (void)raw_->Command({"ACL", "DELUSER", user});
}

class ShardedRedisCacheTest : public RedisCacheTest {
 protected:
  void SetUp() override {
    RedisCacheTest::SetUp();
    if (HasFatalFailure()) return;
    CHINOOK_REQUIRE_ENV(nodes, ::chinook::workload::kRedisNodesVar);
    auto eps = ParseRedisUrlList(nodes);
    CHINOOK_ASSERT_OK(eps);
    ASSERT_GE(eps->size(), 2u) << "these tests need several redis nodes";
    nodes_ = *eps;
  }
  void TearDown() override {
    if (!nodes_.empty()) (void)NewShardedRedisCache(nodes_)->DeleteMatching(prefix_ + "*");
  }
  std::vector<RedisEndpoint> nodes_;
};

TEST_F(ShardedRedisCacheTest, KeysLiveOnTheNodeKetamaNames) {
  auto sharded = NewShardedRedisCache(nodes_);
  std::vector<std::string> names;
  for (const auto& ep : nodes_) names.push_back(KetamaRing::DefaultServerName(ep.host, ep.port));
  KetamaRing ring(names);
  std::vector<std::pair<std::string, std::string>> entries;
  for (int i = 0; i < 300; ++i) entries.emplace_back(Key(std::to_string(i)), std::to_string(i));
  ASSERT_TRUE(sharded->SetMany(entries, 60s).ok());
  std::set<size_t> used;
  for (const auto& [key, value] : entries) {
    const size_t owner = ring.ServerFor(key);
    used.insert(owner);
    for (size_t n = 0; n < nodes_.size(); ++n) {
      auto direct = NewRedisCache(nodes_[n])->Get(key);
      EXPECT_EQ(direct.has_value(), n == owner) << key << " on node " << n;
    }
  }
  EXPECT_EQ(used.size(), nodes_.size());

  std::vector<std::string> keys;
  for (int i = 0; i < 310; ++i) keys.push_back(Key(std::to_string(i)));
  const auto values = sharded->GetMany(keys);
  for (int i = 0; i < 310; ++i) {
    if (i < 300) {
      ASSERT_TRUE(values[i].has_value()) << i;
      EXPECT_EQ(*values[i], std::to_string(i));
    } else {
      EXPECT_FALSE(values[i].has_value());
    }
  }
  auto removed = sharded->DeleteMatching(Key("*"));
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 300u);
}

TEST_F(ShardedRedisCacheTest, ADeadNodeCostsOnlyItsOwnKeys) {
  std::vector<RedisEndpoint> with_dead = nodes_;
  RedisEndpoint dead = nodes_[0];
  dead.port = testing::kClosedPort;
  with_dead.push_back(dead);
  auto sharded = NewShardedRedisCache(with_dead);
  KetamaRing ring([&] {
    std::vector<std::string> names;
    for (const auto& ep : with_dead) names.push_back(KetamaRing::DefaultServerName(ep.host, ep.port));
    return names;
  }());
  std::vector<std::pair<std::string, std::string>> entries;
  std::vector<std::string> keys;
  for (int i = 0; i < 200; ++i) {
    entries.emplace_back(Key(std::to_string(i)), "v");
    keys.push_back(Key(std::to_string(i)));
  }
  EXPECT_FALSE(sharded->SetMany(entries, 60s).ok());  // the dead node's share failed, and says so
  const auto values = sharded->GetMany(keys);
  int on_dead = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    const bool dead_owner = ring.ServerFor(keys[i]) == with_dead.size() - 1;
    on_dead += dead_owner;
    EXPECT_EQ(values[i].has_value(), !dead_owner) << keys[i];
  }
  EXPECT_GT(on_dead, 0);
  EXPECT_GT(sharded->Stats().errors, 0u);
}

}  // namespace
}  // namespace chinook::cache
