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

#include <atomic>
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
  // The server that now holds what `lost` (one of endpoints()) held, when this cache knows of
  // one: a cluster's promoted replica. The invalidation listener resubscribes there instead of
  // waiting for `lost` to come back. Single servers and rings have no such thing.
  virtual std::optional<RedisEndpoint> Successor(const RedisEndpoint& /*lost*/) { return std::nullopt; }
};

namespace internal {

// What every RemoteCache over Redis shares: the value format (one format byte + payload), the
// counters, and the reading of GET and counter replies. Thread-safe (atomics).
class CacheCounters {
 public:
  explicit CacheCounters(uint8_t format) : format_(format) {}

  // format byte + payload, as stored.
  std::string Encode(std::string_view payload) const;
  // A GET or MGET element: the payload (a hit), or a miss (absent, wrong type, unknown format).
  std::optional<std::string> Unwrap(const RedisReply& r);
  // `n` reads that failed: misses and one error.
  std::optional<std::string> FailedReads(uint64_t n = 1);
  Status CountError(Status s);
  void AddSets(uint64_t n) { sets_.fetch_add(n, std::memory_order_relaxed); }
  void AddDeletes(uint64_t n) { deletes_.fetch_add(n, std::memory_order_relaxed); }
  RemoteCacheStats Snapshot(uint64_t reconnects) const;

 private:
  const uint8_t format_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, errors_{0}, format_errors_{0}, sets_{0}, deletes_{0};
};

// A GET of a counter (ReadCounter): 0 when nil; DataLoss naming `where` and `key` when the value
// is not an integer.
Result<int64_t> CounterValue(const RedisReply& r, std::string_view where, std::string_view key);

// DeleteMatching on one server: SCAN MATCH pattern in pages of `batch`, UNLINK of what each page
// found. With `one_key_per_unlink` each key is its own UNLINK (pipelined), as a cluster node
// needs: one UNLINK of keys in several slots fails with CROSSSLOT. Returns the keys removed.
Result<uint64_t> ScanAndUnlink(RedisClient& client, std::string_view pattern, int batch, bool one_key_per_unlink);

}  // namespace internal

std::unique_ptr<RemoteCache> NewRedisCache(RedisEndpoint endpoint, RedisCacheOptions options = {});
// REQUIRES: !endpoints.empty(). Servers are named as twemproxy names them ("host:port") on the ring.
std::unique_ptr<RemoteCache> NewShardedRedisCache(std::vector<RedisEndpoint> endpoints,
                                                  RedisCacheOptions options = {});
// The scheme of a Redis Cluster's seed list: "redis+cluster://host:port,host:port" (credentials
// may precede the first seed: redis+cluster://[user]:password@host:port,...).
inline constexpr std::string_view kClusterScheme = "redis+cluster://";

// From CHINOOK_REDIS_NODES-style text: one URL gives a RedisCache, several a ShardedRedisCache,
// a kClusterScheme seed list a ClusterCache (redis_cluster.h).
Result<std::unique_ptr<RemoteCache>> NewRemoteCacheFromUrls(std::string_view urls, RedisCacheOptions options = {});

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_REDIS_CACHE_H_
