#include "cache/ketama.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "cache/md5.h"

namespace chinook::cache {
namespace {

std::string Hex(const std::array<uint8_t, 16>& d) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : d) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

TEST(Md5Test, RfcTestSuite) {  // RFC 1321, appendix A.5
  EXPECT_EQ(Hex(internal::Md5("")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Hex(internal::Md5("a")), "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(Hex(internal::Md5("abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(Hex(internal::Md5("message digest")), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(Hex(internal::Md5("abcdefghijklmnopqrstuvwxyz")), "c3fcd3d76192e4007dfb496cca67e13b");
  EXPECT_EQ(Hex(internal::Md5("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")),
            "d174ab98d277d9f5a5611c2c9f419d9f");
  EXPECT_EQ(Hex(internal::Md5("12345678901234567890123456789012345678901234567890123456789012345678901234567890")),
            "57edf4a22be3c955ac49da2e2107b67a");
}

// Couchbase SDK RFC 26 (ketama hashing) publishes reference points for ketama rings: these two
// servers collide at one point, and on that ring the top of the hash space wraps to the server
// holding the lowest point.
TEST(KetamaRingTest, MatchesPublishedKetamaReferencePoints) {
  KetamaRing collision({"example.com:11210", "example137723.com:11210"});
  EXPECT_EQ(collision.points().size(), 2u * KetamaRing::kPointsPerServer - 1);
  const auto& points = collision.points();
  auto it = std::find_if(points.begin(), points.end(), [](const auto& p) { return p.value == 1723476360u; });
  ASSERT_NE(it, points.end());
  EXPECT_EQ(collision.servers()[it->server], "example137723.com:11210");

  KetamaRing four({"192.168.1.101:11210", "192.168.1.102:11210", "192.168.1.103:11210", "192.168.1.104:11210"});
  EXPECT_EQ(four.points().size(), 4u * KetamaRing::kPointsPerServer);
  EXPECT_EQ(four.servers()[four.ServerForHash(4294967295u)], "192.168.1.104:11210");
}

TEST(KetamaRingTest, LookupTakesTheFirstPointAtOrAfterTheHash) {
  KetamaRing ring({"a:1", "b:2", "c:3"});
  const auto& points = ring.points();
  for (size_t i = 0; i + 1 < points.size(); i += 37) {
    EXPECT_EQ(ring.ServerForHash(points[i].value), points[i].server);
    EXPECT_EQ(ring.ServerForHash(points[i].value + 1), points[i + 1].server);
  }
  EXPECT_EQ(ring.ServerForHash(points.back().value + 1 == 0 ? 0 : points.back().value + 1), points[0].server);
  // Keys hash by the first four bytes of their MD5, little-endian: MD5("abc") starts 90 01 50 98.
  EXPECT_EQ(KetamaRing::KeyHash("abc"), 0x98500190u);
}

TEST(KetamaRingTest, DefaultNamesFollowTwemproxy) {
  EXPECT_EQ(KetamaRing::DefaultServerName("10.0.0.1", 6379), "10.0.0.1:6379");
  EXPECT_EQ(KetamaRing::DefaultServerName("10.0.0.1", 11211), "10.0.0.1");
}

std::vector<std::string> Names(int n) {
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back("127.0.0.1:" + std::to_string(7000 + i));
  return names;
}

constexpr int kKeys = 100'000;

std::string Key(int i) { return "chinook:v1:customer:" + std::to_string(i); }

TEST(KetamaRingTest, AddingOrRemovingOneOfNServersMovesAboutOneNth) {
  for (int n : {3, 5, 10}) {
    KetamaRing before(Names(n));
    KetamaRing added(Names(n + 1));
    std::vector<std::string> fewer = Names(n);
    fewer.erase(fewer.begin() + 1);
    KetamaRing removed(fewer);
    int moved_on_add = 0;
    int moved_on_remove = 0;
    for (int i = 0; i < kKeys; ++i) {
      const std::string key = Key(i);
      const std::string& owner = before.servers()[before.ServerFor(key)];
      const std::string& owner_added = added.servers()[added.ServerFor(key)];
      moved_on_add += owner != owner_added;
      // Only keys of the new server may move, and only onto it.
      if (owner != owner_added) {
        EXPECT_EQ(owner_added, Names(n + 1).back());
      }
      const std::string& owner_removed = removed.servers()[removed.ServerFor(key)];
      if (owner != owner_removed) {
        ++moved_on_remove;
        EXPECT_EQ(owner, Names(n)[1]);  // only the removed server's keys move
      }
    }
    const double expected_add = static_cast<double>(kKeys) / (n + 1);
    const double expected_remove = static_cast<double>(kKeys) / n;
    EXPECT_NEAR(moved_on_add, expected_add, 0.2 * expected_add) << n;
    EXPECT_NEAR(moved_on_remove, expected_remove, 0.2 * expected_remove) << n;
  }
}

// With 160 points per server a server's share varies by ~6% of the mean on average, but one
// particular set of names can be unlucky (~11% for 127.0.0.1:7000-7002), so the spread is judged
// over ten deployments of three and of five servers, and no single one may be far off.
TEST(KetamaRingTest, KeysSpreadEvenlyAcrossServers) {
  for (int n : {3, 5}) {
    double sum_relative_stddev = 0;
    constexpr int kDeployments = 10;
    for (int d = 0; d < kDeployments; ++d) {
      std::vector<std::string> names;
      for (int i = 0; i < n; ++i) names.push_back("10.0." + std::to_string(d) + "." + std::to_string(i + 1) + ":6379");
      KetamaRing ring(names);
      std::vector<int> counts(n);
      for (int i = 0; i < kKeys; ++i) counts[ring.ServerFor(Key(i))]++;
      const double mean = static_cast<double>(kKeys) / n;
      double variance = 0;
      for (int c : counts) variance += (c - mean) * (c - mean);
      const double relative_stddev = std::sqrt(variance / n) / mean;
      EXPECT_LT(relative_stddev, 0.20) << names[0];
      sum_relative_stddev += relative_stddev;
    }
    EXPECT_LT(sum_relative_stddev / kDeployments, 0.10) << n << " servers";
  }
}

}  // namespace
}  // namespace chinook::cache
