#include "cache/cluster_slots.h"

#include <cstdint>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace chinook::cache {
namespace {

using Type = RedisReply::Type;

RedisReply Int(long long v) {
  RedisReply r;
  r.type = Type::kInteger;
  r.integer = v;
  return r;
}
RedisReply Str(std::string s) {
  RedisReply r;
  r.type = Type::kString;
  r.str = std::move(s);
  return r;
}
RedisReply Arr(std::vector<RedisReply> e) {
  RedisReply r;
  r.type = Type::kArray;
  r.elements = std::move(e);
  return r;
}
RedisReply Node(std::string host, int port, std::string id = "") {
  std::vector<RedisReply> e = {Str(std::move(host)), Int(port)};
  if (!id.empty()) e.push_back(Str(std::move(id)));
  return Arr(std::move(e));
}

TEST(ClusterSlotsTest, Crc16IsXmodem) {
  EXPECT_EQ(Crc16("123456789"), 0x31C3);  // the check value the cluster spec gives
  EXPECT_EQ(Crc16(""), 0);
}

// The table-driven CRC against the definition, a bit at a time, on every length from 0 to 40
// (so every mix of 8-byte blocks and a tail) and every byte value.
TEST(ClusterSlotsTest, Crc16MatchesTheBitwiseDefinition) {
  const auto bitwise = [](std::string_view data) {
    uint16_t crc = 0;
    for (unsigned char byte : data) {
      crc = static_cast<uint16_t>(crc ^ (byte << 8));
      for (int bit = 0; bit < 8; ++bit) {
        crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : static_cast<uint16_t>(crc << 1);
      }
    }
    return crc;
  };
  std::string data;
  uint32_t x = 12345;
  for (int len = 0; len <= 40; ++len) {
    for (int round = 0; round < 20; ++round) {
      data.clear();
      for (int i = 0; i < len; ++i) {
        x = x * 1103515245u + 12345u;
        data += static_cast<char>(x >> 16);
      }
      ASSERT_EQ(Crc16(data), bitwise(data)) << "length " << len << ", round " << round;
    }
  }
  for (int b = 0; b < 256; ++b) {
    const std::string block(9, static_cast<char>(b));
    ASSERT_EQ(Crc16(block), bitwise(block)) << "byte " << b;
  }
}

TEST(ClusterSlotsTest, KeySlotsMatchTheSpec) {
  EXPECT_EQ(KeySlot("foo"), 12182);
  EXPECT_EQ(KeySlot("123456789"), 0x31C3 & 16383);
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
}

TEST(ClusterSlotsTest, HashTagRules) {
  EXPECT_EQ(HashTag("{user1000}.following"), "user1000");
  EXPECT_EQ(HashTag("foo{}{bar}"), "foo{}{bar}");  // empty first tag: the whole key
  EXPECT_EQ(HashTag("foo{{bar}}zap"), "{bar");     // from the first { to the first } after it
  EXPECT_EQ(HashTag("foo{bar}{zap}"), "bar");      // only the first tag counts
  EXPECT_EQ(HashTag("foo{bar"), "foo{bar");        // unterminated: the whole key
  EXPECT_EQ(HashTag("foo}bar{"), "foo}bar{");
  EXPECT_EQ(KeySlot("foo{}{bar}"), Crc16("foo{}{bar}") & 16383);
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), Crc16("{bar") & 16383);
}

TEST(ClusterSlotsTest, ParsesClusterSlotsWithReplicas) {
  const RedisReply reply = Arr({
      Arr({Int(0), Int(5460), Node("127.0.0.1", 7000, "a"), Node("127.0.0.1", 7003, "d")}),
      Arr({Int(5461), Int(10922), Node("127.0.0.1", 7001), Node("127.0.0.1", 7004)}),
      Arr({Int(10923), Int(16383), Node("", 7002), Node("?", 7005)}),
  });
  auto ranges = ParseClusterSlots(reply, "10.0.0.9");
  ASSERT_TRUE(ranges.ok()) << ranges.status().ToString();
  ASSERT_EQ(ranges->size(), 3u);
  EXPECT_EQ((*ranges)[0].master.id, "a");
  EXPECT_EQ((*ranges)[2].master.host, "10.0.0.9");  // empty host: the answering node's host
  EXPECT_EQ((*ranges)[2].replicas.at(0).host, "10.0.0.9");

  auto map = SlotMap::FromRanges(*ranges);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(map->covered(), kClusterSlots);
  EXPECT_EQ(map->masters().size(), 3u);
  EXPECT_EQ(map->nodes()[static_cast<size_t>(map->MasterOf(12182))].port, 7002);
  ASSERT_EQ(map->ReplicasOf(0).size(), 1u);
  EXPECT_EQ(map->nodes()[static_cast<size_t>(map->ReplicasOf(0)[0])].port, 7003);
}

TEST(ClusterSlotsTest, UncoveredSlotsHaveNoOwner) {
  auto map = SlotMap::FromRanges(*ParseClusterSlots(Arr({Arr({Int(0), Int(99), Node("h", 1)})}), "h"));
  ASSERT_TRUE(map.ok());
  EXPECT_EQ(map->covered(), 100);
  EXPECT_EQ(map->MasterOf(100), SlotMap::kNoOwner);
  EXPECT_TRUE(map->ReplicasOf(100).empty());
}

TEST(ClusterSlotsTest, MalformedClusterSlotsRepliesAreErrors) {
  const std::vector<RedisReply> bad = {
      Str("not an array"),
      Arr({Int(1)}),
      Arr({Arr({Int(0), Int(10)})}),                                  // no master
      Arr({Arr({Int(10), Int(5), Node("h", 1)})}),                    // first > last
      Arr({Arr({Int(0), Int(16384), Node("h", 1)})}),                 // past the last slot
      Arr({Arr({Int(0), Int(1), Node("h", 0)})}),                     // port 0
      Arr({Arr({Int(0), Int(1), Arr({Int(5), Int(6)})})}),           // host not a string
      Arr({Arr({Str("0"), Int(1), Node("h", 1)})}),                   // bound not an integer
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_FALSE(ParseClusterSlots(bad[i], "h").ok()) << "case " << i;
  }
  RedisReply error;
  error.type = Type::kError;
  error.str = "ERR This instance has cluster support disabled";
  auto r = ParseClusterSlots(error, "h");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("cluster support disabled"), std::string::npos);
}

TEST(ClusterSlotsTest, OverlappingRangesAreRefused) {
  auto ranges = ParseClusterSlots(
      Arr({Arr({Int(0), Int(100), Node("a", 1)}), Arr({Int(100), Int(200), Node("b", 2)})}), "h");
  ASSERT_TRUE(ranges.ok());
  auto map = SlotMap::FromRanges(*ranges);
  ASSERT_FALSE(map.ok());
  EXPECT_NE(map.status().ToString().find("slot 100"), std::string::npos) << map.status().ToString();
}

TEST(ClusterSlotsTest, MovedUpdatesOneSlot) {
  auto map = SlotMap::FromRanges(*ParseClusterSlots(Arr({Arr({Int(0), Int(16383), Node("a", 1)})}), "a"));
  ASSERT_TRUE(map.ok());
  const SlotMap moved = map->WithSlotMovedTo(42, ClusterNode{"b", 2, ""});
  EXPECT_EQ(moved.nodes()[static_cast<size_t>(moved.MasterOf(42))].host, "b");
  EXPECT_EQ(moved.nodes()[static_cast<size_t>(moved.MasterOf(43))].host, "a");
  EXPECT_EQ(moved.masters().size(), 2u);
  EXPECT_EQ(map->masters().size(), 1u);  // the original is unchanged
}

TEST(ClusterSlotsTest, ParsesRedirections) {
  auto moved = ParseRedirect("MOVED 3999 127.0.0.1:6381", "x");
  ASSERT_TRUE(moved.ok());
  ASSERT_TRUE(moved->has_value());
  EXPECT_EQ((*moved)->kind, Redirect::Kind::kMoved);
  EXPECT_EQ((*moved)->slot, 3999);
  EXPECT_EQ((*moved)->host, "127.0.0.1");
  EXPECT_EQ((*moved)->port, 6381);

  auto ask = ParseRedirect("ASK 12182 :7002", "10.1.1.1");  // no host: the answering node's
  ASSERT_TRUE(ask.ok() && ask->has_value());
  EXPECT_EQ((*ask)->kind, Redirect::Kind::kAsk);
  EXPECT_EQ((*ask)->host, "10.1.1.1");

  auto v6 = ParseRedirect("MOVED 1 [::1]:7000", "x");
  ASSERT_TRUE(v6.ok() && v6->has_value());
  EXPECT_EQ((*v6)->host, "::1");

  auto other = ParseRedirect("WRONGTYPE Operation against a key", "x");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());

  for (const char* bogus : {"MOVED ", "MOVED 3999", "MOVED 99999 h:1", "MOVED -1 h:1", "MOVED x h:1",
                            "MOVED 1 h:0", "MOVED 1 h:70000", "MOVED 1 h", "ASK 1 h:port"}) {
    auto r = ParseRedirect(bogus, "x");
    EXPECT_FALSE(r.ok()) << bogus;
  }
}


// A CLUSTER SHARDS node: [name, value, ...] as Redis 7 sends it in RESP2.
RedisReply ShardNode(const std::string& id, const std::string& endpoint, long long port, const std::string& role,
                     const std::string& health) {
  return Arr({Str("id"), Str(id), Str("port"), Int(port), Str("ip"), Str("10.0.0.1"), Str("endpoint"), Str(endpoint),
              Str("role"), Str(role), Str("replication-offset"), Int(72156), Str("health"), Str(health)});
}

RedisReply Shard(std::vector<RedisReply> slots, std::vector<RedisReply> nodes) {
  return Arr({Str("slots"), Arr(std::move(slots)), Str("nodes"), Arr(std::move(nodes))});
}

TEST(ClusterSlotsTest, ParsesClusterShardsWithNodeHealth) {
  const RedisReply reply = Arr({
      // Two slot ranges in one shard; a replica still loading gets no reads.
      Shard({Int(0), Int(99), Int(200), Int(299)},
            {ShardNode("m1", "h1", 7001, "master", "online"), ShardNode("r1", "h4", 7004, "replica", "loading"),
             ShardNode("r1b", "?", 7007, "replica", "online")}),
      // After a failover: the failed master is listed first, the online one owns the slots.
      Shard({Int(100), Int(199)},
            {ShardNode("old", "h2", 7002, "master", "failed"), ShardNode("m2", "h5", 7005, "master", "online")}),
      // No master at all: the slots have no owner.
      Shard({Int(300), Int(399)}, {ShardNode("r3", "h6", 7006, "replica", "online")}),
      // A shard with no slots (a new empty master) names no range.
      Shard({}, {ShardNode("m4", "h8", 7008, "master", "online")}),
  });
  auto ranges = ParseClusterShards(reply, "answering");
  ASSERT_TRUE(ranges.ok()) << ranges.status().ToString();
  ASSERT_EQ(ranges->size(), 3u);
  EXPECT_EQ((*ranges)[0].first, 0);
  EXPECT_EQ((*ranges)[0].last, 99);
  EXPECT_EQ((*ranges)[0].master, (ClusterNode{"h1", 7001, ""}));
  EXPECT_EQ((*ranges)[0].master.id, "m1");
  ASSERT_EQ((*ranges)[0].replicas.size(), 1u);
  EXPECT_EQ((*ranges)[0].replicas[0], (ClusterNode{"answering", 7007, ""}));  // "?": the answering host
  EXPECT_EQ((*ranges)[1].first, 200);
  EXPECT_EQ((*ranges)[1].master.id, "m1");
  EXPECT_EQ((*ranges)[2].first, 100);
  EXPECT_EQ((*ranges)[2].master.id, "m2");
  EXPECT_TRUE((*ranges)[2].replicas.empty());
  auto map = SlotMap::FromRanges(*ranges);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(map->covered(), 300);
  EXPECT_EQ(map->MasterOf(350), SlotMap::kNoOwner);
  EXPECT_NE(map->MasterOf(150), map->MasterOf(50));
}

TEST(ClusterSlotsTest, MalformedClusterShardsRepliesAreErrorsNamingTheShard) {
  const RedisReply node = ShardNode("m", "h", 7000, "master", "online");
  const std::vector<std::pair<RedisReply, std::string>> bad = {
      {Str("no"), "not an array"},
      {Arr({Str("slots")}), "shard 0: expected [name, value, ...]"},
      {Arr({Arr({Str("nodes"), Arr({node})})}), "shard 0: \"slots\""},
      {Arr({Arr({Str("slots"), Arr({Int(0)}), Str("nodes"), Arr({node})})}), "shard 0: \"slots\""},
      {Arr({Arr({Str("slots"), Arr({Int(0), Int(1)})})}), "shard 0: \"nodes\""},
      {Arr({Shard({Int(0), Int(1)}, {node}), Shard({Int(5), Int(16384)}, {node})}), "shard 1: slots 5-16384"},
      {Arr({Shard({Int(9), Int(1)}, {node})}), "slots 9-1"},
      {Arr({Shard({Str("0"), Int(1)}, {node})}), "not integers"},
      {Arr({Shard({Int(0), Int(1)}, {ShardNode("m", "h", 0, "master", "online")})}), "node 0: \"port\""},
      {Arr({Shard({Int(0), Int(1)}, {node, ShardNode("m", "h", 7001, "arbiter", "online")})}), "node 1: role \"arbiter\""},
      {Arr({Shard({Int(0), Int(1)}, {Arr({Str("port")})})}), "node 0: expected"},
      {Arr({Shard(std::vector<RedisReply>(2 * 16385, Int(0)), {node})}), "16385 slot ranges"},
      {Arr({Shard(std::vector<RedisReply>(2 * 2000, Int(0)), std::vector<RedisReply>(1000, ShardNode("r", "h", 7001, "replica", "online")))}), "2000 slot ranges with 1000 replicas"},
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    auto r = ParseClusterShards(bad[i].first, "h");
    ASSERT_FALSE(r.ok()) << "case " << i;
    EXPECT_NE(r.status().ToString().find(bad[i].second), std::string::npos) << "case " << i << ": " << r.status().ToString();
  }
  RedisReply error;
  error.type = Type::kError;
  error.str = "ERR unknown subcommand 'SHARDS'";
  auto r = ParseClusterShards(error, "h");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().ToString().find("unknown subcommand"), std::string::npos);
}

}  // namespace
}  // namespace chinook::cache
