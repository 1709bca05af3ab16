#include "cache/message_cache_policy.h"

#include <google/protobuf/descriptor.h>

#include "chinook/cache/v1/options.pb.h"

namespace chinook::cache {

TieredCacheOptions ApplyCachePolicy(const google::protobuf::Descriptor& message, TieredCacheOptions options) {
  const google::protobuf::MessageOptions& declared = message.options();
  if (!declared.HasExtension(chinook::cache::v1::cache_policy)) return options;
  const chinook::cache::v1::CachePolicy& policy = declared.GetExtension(chinook::cache::v1::cache_policy);
  options.use_l1 = policy.local_ttl_seconds() > 0;
  if (options.use_l1) options.l1.default_ttl = std::chrono::seconds(policy.local_ttl_seconds());
  options.use_l2 = policy.redis_ttl_seconds() > 0;
  if (options.use_l2) options.l2_ttl = std::chrono::seconds(policy.redis_ttl_seconds());
  return options;
}

}  // namespace chinook::cache
