// The shared cache tier: one Redis server (RedisCache) or several on a ketama ring
// (ShardedRedisCache), behind one interface.
//
// Values are opaque payloads (a Customer's protobuf bytes) stored with a one-byte format prefix,
// so that a reader meeting bytes of another format or version (an older deployment, a foreign
// writer) treats them as a miss instead of decoding garbage. Keys are full Redis keys; callers
// namespace them (CustomerCacheKey: "chinook:v1:customer:<id>").
//
// A cache must never turn its own trouble into a failed read: when Redis is down, slow (past the
// command timeout) or returns something unexpected, reads report a miss and count an error.
// Writes and deletes return their Status as well as counting it, because a failed invalidation
// can leave a stale value until its TTL and the caller may want to know.
//
// Thread safety: all methods may be called concurrently.
#ifndef CHINOOK_CACHE_REDIS_CACHE_H_
#define CHINOOK_CACHE_REDIS_CACHE_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cache/redis_client.h"
#include "chinook/status.h"

namespace chinook::cache {

// Every key Chinook writes starts with this (the prefix client-side caching tracks).
inline constexpr std::string_view kKeyNamespace = "chinook:v1:";

// "chinook:v1:customer:<id>".
std::string CustomerCacheKey(std::string_view id);

struct RedisCacheOptions {
  RedisOptions connection = {};
  // The first byte of every stored value: 0x01 = protobuf wire bytes of schema v1. A reader
  // treats any other first byte as a miss (counted in format_errors).
  uint8_t format = 0x01;
  // Keys per SCAN page and per UNLINK call in DeleteMatching: large enough to be quick, small
  // enough not to block the server on a big keyspace.
  int scan_batch = 500;
};

struct RemoteCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;         // absent keys, and reads answered "miss" because of an error
  uint64_t errors = 0;         // commands that failed: down, timed out, error replies
  uint64_t format_errors = 0;  // values with an unknown format byte, read as misses
  uint64_t sets = 0;
  uint64_t deletes = 0;
  uint64_t reconnects = 0;     // connections opened again after a failure (Redis back)
  RemoteCacheStats& operator+=(const RemoteCacheStats& o) {
    hits += o.hits;
    misses += o.misses;
    errors += o.errors;
    format_errors += o.format_errors;
    sets += o.sets;
    deletes += o.deletes;
    reconnects += o.reconnects;
    return *this;
  }
  double hit_rate() const {
    const uint64_t n = hits + misses;
    return n == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(n);
  }
};

class RemoteCache {
 public:
  virtual ~RemoteCache() = default;

  // The payload under `key`, or std::nullopt (absent, unknown format, or Redis unavailable).
  virtual std::optional<std::string> Get(std::string_view key) = 0;
  // One result per key, in order: one MGET per server involved.
  virtual std::vector<std::optional<std::string>> GetMany(const std::vector<std::string>& keys) = 0;
  // SET key <format byte + payload> PX ttl. REQUIRES: ttl > 0.
  virtual Status Set(std::string_view key, std::string_view payload, std::chrono::milliseconds ttl) = 0;
  // Many SETs pipelined: one round trip per server involved.
  virtual Status SetMany(const std::vector<std::pair<std::string, std::string>>& entries,
                         std::chrono::milliseconds ttl) = 0;
  // UNLINK of the keys (freed in the background by the server).
  virtual Status Delete(const std::vector<std::string>& keys) = 0;
  // Removes every key matching a glob pattern with SCAN + UNLINK in batches (never KEYS, which
  // blocks the server); on every server of a ring. Returns the number of keys removed.
  virtual Result<uint64_t> DeleteMatching(std::string_view pattern) = 0;
  // INCR of an integer counter (no format byte), e.g. the customer-list generation.
  virtual Result<int64_t> Increment(std::string_view key) = 0;
  // The counter's value; 0 when absent.
  virtual Result<int64_t> ReadCounter(std::string_view key) = 0;

  virtual RemoteCacheStats Stats() const = 0;
  // The servers behind this cache (for the invalidation listener).
  virtual std::vector<RedisEndpoint> endpoints() const = 0;
};

std::unique_ptr<RemoteCache> NewRedisCache(RedisEndpoint endpoint, RedisCacheOptions options = {});
// REQUIRES: !endpoints.empty(). Servers are named as twemproxy names them ("host:port") on the ring.
std::unique_ptr<RemoteCache> NewShardedRedisCache(std::vector<RedisEndpoint> endpoints,
                                                  RedisCacheOptions options = {});
// From CHINOOK_REDIS_NODES-style text: one URL gives a RedisCache, several a ShardedRedisCache.
Result<std::unique_ptr<RemoteCache>> NewRemoteCacheFromUrls(std::string_view urls, RedisCacheOptions options = {});

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_REDIS_CACHE_H_
