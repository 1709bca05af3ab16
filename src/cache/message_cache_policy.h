// Per-message cache settings from the (chinook.cache.v1.cache_policy) option on a protobuf
// message (proto/chinook/cache/v1/options.proto), read once from the message's descriptor:
//
//   TieredCacheOptions options = CacheOptionsFor<Customer>(defaults);
//
// local_ttl_seconds sets L1's TTL (0 leaves L1 out), redis_ttl_seconds sets L2's TTL (0 leaves
// Redis out). A message without the option keeps the given defaults.
//
// Thread safety: pure functions.
#ifndef CHINOOK_CACHE_MESSAGE_CACHE_POLICY_H_
#define CHINOOK_CACHE_MESSAGE_CACHE_POLICY_H_

#include "cache/tiered_cache.h"

namespace google::protobuf {
class Descriptor;
}

namespace chinook::cache {

// `options` with the message type's cache_policy applied; unchanged when it declares none.
TieredCacheOptions ApplyCachePolicy(const google::protobuf::Descriptor& message, TieredCacheOptions options);

template <typename Message>
TieredCacheOptions CacheOptionsFor(TieredCacheOptions defaults = {}) {
  return ApplyCachePolicy(*Message::descriptor(), std::move(defaults));
}

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_MESSAGE_CACHE_POLICY_H_
