#include "cache/message_cache_policy.h"

#include <gtest/gtest.h>

#include "chinook/customer/v1/customer.pb.h"

namespace chinook::cache {
namespace {

TEST(MessageCachePolicyTest, CustomerDeclaresItsTtls) {
  TieredCacheOptions defaults;
  defaults.l1.default_ttl = std::chrono::seconds(1);
  defaults.l2_ttl = std::chrono::seconds(1);
  const TieredCacheOptions options = CacheOptionsFor<chinook::customer::v1::Customer>(defaults);
  EXPECT_TRUE(options.use_l1);
  EXPECT_TRUE(options.use_l2);
  EXPECT_EQ(options.l1.default_ttl, std::chrono::seconds(300));
  EXPECT_EQ(options.l2_ttl, std::chrono::seconds(1800));
}

TEST(MessageCachePolicyTest, AMessageWithoutTheOptionKeepsTheDefaults) {
  TieredCacheOptions defaults;
  defaults.l2_ttl = std::chrono::seconds(7);
  const TieredCacheOptions options = CacheOptionsFor<chinook::customer::v1::CustomerBatch>(defaults);
  EXPECT_EQ(options.l2_ttl, std::chrono::seconds(7));
  EXPECT_EQ(options.l1.default_ttl, defaults.l1.default_ttl);
}

}  // namespace
}  // namespace chinook::cache
