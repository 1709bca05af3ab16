// TieredCache: L1 (LocalCache in this process) -> L2 (Redis, shared) -> loader (the database).
//
// Reads go through the tiers in order and fill the tiers they missed; concurrent misses of one
// key share one L2 lookup and one loader call (the L1's request coalescing). Writes are the
// caller's: after changing the source of truth, call Invalidate(keys), which drops the keys from
// L1 and L2; other processes drop them from their L1 when Redis tells them (see below).
//
// Cross-process coherence: with `track_invalidations`, an InvalidationListener subscribes to
// Redis's invalidation messages for the key namespace. When any process changes or deletes a key
// in Redis, every process drops that key from its L1 within about a network round trip. While the
// listener is not connected (start-up, Redis restart, network trouble) the L1 is flushed and
// bypassed: reads go to L2, so a lost message can never leave a stale value in L1. On a Redis
// Cluster the listener subscribes on every master; when one dies it moves to the replica the
// cluster promoted (RemoteCache::Successor), L1 staying flushed and bypassed in between. An L1 fill
// whose key was invalidated while it was being loaded is not installed (LocalCache's stale-load
// rule), and a load interrupted by any invalidation does not refill L2 with what it read.
//
// Values: L1 holds std::shared_ptr<const V> (no copy per hit); L2 holds Codec-encoded bytes under
// `key_prefix + key`.
//
// Errors: L2 trouble is a miss (counted); only the loader's errors reach the caller.
//
// Thread safety: all methods may be called concurrently.
#ifndef CHINOOK_CACHE_TIERED_CACHE_H_
#define CHINOOK_CACHE_TIERED_CACHE_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cache/invalidation_listener.h"
#include "cache/local_cache.h"
#include "cache/redis_cache.h"
#include "chinook/status.h"

namespace chinook::cache {

// How V travels through L2.
template <typename V>
struct Codec {
  std::function<void(const V&, std::string*)> encode;             // appends the bytes of a value
  std::function<Status(std::string_view, V*)> decode;            // parses them back
};

struct TieredCacheOptions {
  LocalCacheOptions l1 = {};
  // Which tiers to use: a tier left out is neither read nor filled.
  bool use_l1 = true;
  bool use_l2 = true;
  // Lifetime of a value in Redis. Longer than L1's: L2 is shared and invalidated explicitly, so
  // the TTL only bounds the damage of a missed invalidation.
  std::chrono::milliseconds l2_ttl{std::chrono::minutes(30)};
  // Redis key of a cache key: key_prefix + key. Must lie under listener.prefix to be tracked.
  std::string key_prefix = "chinook:v1:customer:";
  // Keep L1 coherent across processes through Redis client-side caching (needs use_l2).
  bool track_invalidations = true;
  InvalidationListenerOptions listener = {};
};

struct TieredCacheStats {
  CacheStats l1;
  uint64_t l2_hits = 0;
  uint64_t l2_misses = 0;
  uint64_t l2_decode_errors = 0;  // L2 bytes the codec refused (dropped and reloaded)
  uint64_t loader_calls = 0;
  uint64_t loader_errors = 0;
  uint64_t remote_invalidations = 0;  // keys dropped from L1 because Redis said so
  uint64_t l1_flushes = 0;            // whole-L1 flushes (listener reconnects, FLUSHALL)
  uint64_t l1_bypassed = 0;           // reads that skipped L1 because it was not coherent
  RemoteCacheStats l2;                // the RemoteCache's own counters (errors, ...)
  InvalidationListenerStats listener;  // empty when tracking is off

  double l1_hit_rate() const { return l1.hit_rate(); }
  double l2_hit_rate() const {
    const uint64_t n = l2_hits + l2_misses;
    return n == 0 ? 0.0 : static_cast<double>(l2_hits) / static_cast<double>(n);
  }
};

template <typename V>
class TieredCache {
 public:
  using Ptr = std::shared_ptr<const V>;
  // Loads one key from the source of truth: a value, std::nullopt (absent) or an error.
  using Loader = std::function<Result<std::optional<V>>(const std::string& key)>;
  // Loads several keys; the result is aligned with the argument.
  using ManyLoader = std::function<Result<std::vector<std::optional<V>>>(std::span<const std::string> keys)>;

  // `l2` may be null (L1 only). Starts the invalidation listener when asked to.
  TieredCache(std::shared_ptr<RemoteCache> l2, Codec<V> codec, TieredCacheOptions options);
  TieredCache(const TieredCache&) = delete;
  TieredCache& operator=(const TieredCache&) = delete;

  Result<std::optional<Ptr>> Get(const std::string& key, const Loader& loader,
                                 const GetOrLoadOptions& wait = {});
  // Aligned with `keys`; one L2 round trip per server and one loader call for all misses.
  Result<std::vector<std::optional<Ptr>>> GetMany(std::span<const std::string> keys, const ManyLoader& loader);

  // Drops the keys from L1 and L2 (and so, through Redis, from other processes' L1). Call after
  // the source of truth changed. The Status is L2's: a failure means other processes may serve
  // the old value until l2_ttl (L1 is always cleared).
  Status Invalidate(std::span<const std::string> keys);

  // True when L1 may be used: tracking is off, or the listener is connected to every server.
  bool l1_coherent() const { return listener_ == nullptr || listener_->healthy(); }
  // Waits for the listener's first subscription; true when coherent.
  bool WaitUntilCoherent(std::chrono::steady_clock::time_point deadline) const {
    return listener_ == nullptr || listener_->WaitUntilHealthy(deadline);
  }
  TieredCacheStats Stats() const;
  RemoteCache* l2() const { return l2_.get(); }

 private:
  bool UseL1() {
    if (!options_.use_l1) return false;
    if (l1_coherent()) return true;
    l1_bypassed_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  std::string RedisKey(std::string_view key) const { return options_.key_prefix + std::string(key); }
  // L2 then loader, filling L2; the L1 fill is GetOrLoad's.
  Result<std::optional<Ptr>> LoadBelowL1(const std::string& key, const Loader& loader);
  std::optional<Ptr> DecodeL2(const std::optional<std::string>& bytes);
  void OnRemoteKeys(const std::vector<std::string>& redis_keys);
  void OnFlush();

  const TieredCacheOptions options_;
  const Codec<V> codec_;
  const std::shared_ptr<RemoteCache> l2_;
  LocalCache<std::string, Ptr> l1_;
  // Invalidation epochs: a fill is skipped when the key's stripe (or the global epoch, bumped by
  // flushes) moved since its read began, because what was read may predate the change. Striped
  // by key hash so that a busy stream of invalidations for other keys does not stop all fills.
  static constexpr size_t kEpochStripes = 1024;
  struct Epoch {
    uint64_t global;
    uint64_t stripe;
  };
  std::atomic<uint64_t>& StripeOf(std::string_view key) {
    return stripes_[std::hash<std::string_view>()(key) % kEpochStripes];
  }
  Epoch EpochOf(std::string_view key) {
    return {global_epoch_.load(std::memory_order_acquire), StripeOf(key).load(std::memory_order_acquire)};
  }
  bool Unchanged(std::string_view key, const Epoch& before) {
    const Epoch now = EpochOf(key);
    return now.global == before.global && now.stripe == before.stripe;
  }
  void Bump(std::string_view key) { StripeOf(key).fetch_add(1, std::memory_order_acq_rel); }
  std::atomic<uint64_t> global_epoch_{0};
  std::unique_ptr<std::atomic<uint64_t>[]> stripes_{new std::atomic<uint64_t>[kEpochStripes]()};
  std::atomic<uint64_t> l2_hits_{0}, l2_misses_{0}, l2_decode_errors_{0}, loader_calls_{0}, loader_errors_{0},
      remote_invalidations_{0}, l1_flushes_{0}, l1_bypassed_{0};
  // Declared last: destroyed first, so its callbacks never see a destroyed L1.
  std::unique_ptr<InvalidationListener> listener_;
};

// ---------------------------------------------------------------------------------------------
// Implementation (a template: it lives in the header).

template <typename V>
TieredCache<V>::TieredCache(std::shared_ptr<RemoteCache> l2, Codec<V> codec, TieredCacheOptions options)
    : options_(std::move(options)), codec_(std::move(codec)), l2_(std::move(l2)), l1_(options_.l1) {
  if (options_.use_l1 && options_.use_l2 && l2_ != nullptr && options_.track_invalidations) {
    InvalidationListenerOptions listener = options_.listener;
    // A cluster's promoted replica takes over a lost master's subscription (l2_ outlives the
    // listener: it is declared first).
    if (!listener.follow) listener.follow = [l2 = l2_.get()](const RedisEndpoint& lost) { return l2->Successor(lost); };
    // ... and a master that joins later (resharding onto a new node) gets a subscription too.
    if (!listener.discover) listener.discover = [l2 = l2_.get()] { return l2->endpoints(); };
    listener_ = std::make_unique<InvalidationListener>(
        l2_->endpoints(), std::move(listener),
        [this](const std::vector<std::string>& keys) { OnRemoteKeys(keys); }, [this] { OnFlush(); });
  }
}

template <typename V>
void TieredCache<V>::OnRemoteKeys(const std::vector<std::string>& redis_keys) {
  for (const std::string& k : redis_keys) {
    if (k.size() < options_.key_prefix.size() || k.compare(0, options_.key_prefix.size(), options_.key_prefix) != 0) {
      continue;  // another kind of key under the tracked namespace
    }
    const std::string key = k.substr(options_.key_prefix.size());
    Bump(key);
    remote_invalidations_.fetch_add(1, std::memory_order_relaxed);
    l1_.Invalidate(key);
  }
}

template <typename V>
void TieredCache<V>::OnFlush() {
  global_epoch_.fetch_add(1, std::memory_order_acq_rel);
  l1_flushes_.fetch_add(1, std::memory_order_relaxed);
  l1_.InvalidateAll();
}

template <typename V>
std::optional<typename TieredCache<V>::Ptr> TieredCache<V>::DecodeL2(const std::optional<std::string>& bytes) {
  if (!bytes.has_value()) {
    l2_misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  auto value = std::make_shared<V>();
  if (!codec_.decode(*bytes, value.get()).ok()) {
    // Corrupt or foreign bytes: a miss; the fill after the load overwrites them.
    l2_decode_errors_.fetch_add(1, std::memory_order_relaxed);
    l2_misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  l2_hits_.fetch_add(1, std::memory_order_relaxed);
  return Ptr(std::move(value));
}

template <typename V>
Result<std::optional<typename TieredCache<V>::Ptr>> TieredCache<V>::LoadBelowL1(const std::string& key,
                                                                                 const Loader& loader) {
  const bool l2 = options_.use_l2 && l2_ != nullptr;
  const Epoch epoch = EpochOf(key);
  if (l2) {
    if (auto hit = DecodeL2(l2_->Get(RedisKey(key)))) return std::optional<Ptr>(std::move(*hit));
  }
  loader_calls_.fetch_add(1, std::memory_order_relaxed);
  auto loaded = loader(key);
  if (!loaded.ok()) {
    loader_errors_.fetch_add(1, std::memory_order_relaxed);
    return loaded.status();
  }
  if (!loaded->has_value()) return std::optional<Ptr>();
  auto value = std::make_shared<const V>(std::move(**loaded));
  if (l2 && Unchanged(key, epoch)) {
    std::string bytes;
    codec_.encode(*value, &bytes);
    (void)l2_->Set(RedisKey(key), bytes, options_.l2_ttl);  // a failed fill is only a future miss
  }
  return std::optional<Ptr>(std::move(value));
}

template <typename V>
Result<std::optional<typename TieredCache<V>::Ptr>> TieredCache<V>::Get(const std::string& key, const Loader& loader,
                                                                         const GetOrLoadOptions& wait) {
  if (!UseL1()) return LoadBelowL1(key, loader);
  return l1_.GetOrLoad(key, [&] { return LoadBelowL1(key, loader); }, wait);
}

template <typename V>
Result<std::vector<std::optional<typename TieredCache<V>::Ptr>>> TieredCache<V>::GetMany(
    std::span<const std::string> keys, const ManyLoader& loader) {
  std::vector<std::optional<Ptr>> out(keys.size());
  std::vector<Epoch> epochs;
  epochs.reserve(keys.size());
  for (const std::string& k : keys) epochs.push_back(EpochOf(k));
  const bool l1 = UseL1();
  std::vector<size_t> missing;  // positions still unanswered
  for (size_t i = 0; i < keys.size(); ++i) {
    if (l1) {
      if (auto hit = l1_.Get(keys[i])) {
        out[i] = std::move(*hit);
        continue;
      }
    }
    missing.push_back(i);
  }
  const bool l2 = options_.use_l2 && l2_ != nullptr;
  // Fills are skipped for keys invalidated while this call ran: what we read may be older.
  const auto unchanged = [&](size_t i) { return Unchanged(keys[i], epochs[i]); };
  if (l2 && !missing.empty()) {
    std::vector<std::string> redis_keys;
    redis_keys.reserve(missing.size());
    for (size_t i : missing) redis_keys.push_back(RedisKey(keys[i]));
    auto values = l2_->GetMany(redis_keys);
    std::vector<size_t> still;
    for (size_t j = 0; j < missing.size(); ++j) {
      if (auto hit = DecodeL2(values[j])) {
        out[missing[j]] = *hit;
        if (l1 && unchanged(missing[j])) l1_.Put(keys[missing[j]], std::move(*hit));
      } else {
        still.push_back(missing[j]);
      }
    }
    missing = std::move(still);
  }
  if (missing.empty()) return out;
  std::vector<std::string> load_keys;
  load_keys.reserve(missing.size());
  for (size_t i : missing) load_keys.push_back(keys[i]);
  loader_calls_.fetch_add(1, std::memory_order_relaxed);
  auto loaded = loader(load_keys);
  if (!loaded.ok()) {
    loader_errors_.fetch_add(1, std::memory_order_relaxed);
    return loaded.status();
  }
  if (loaded->size() != missing.size()) {
    loader_errors_.fetch_add(1, std::memory_order_relaxed);
    return InternalError("tiered cache: loader returned " + std::to_string(loaded->size()) + " results for " +
                         std::to_string(missing.size()) + " keys");
  }
  std::vector<std::pair<std::string, std::string>> fills;
  for (size_t j = 0; j < missing.size(); ++j) {
    if (!(*loaded)[j].has_value()) continue;
    auto value = std::make_shared<const V>(std::move(*(*loaded)[j]));
    if (unchanged(missing[j])) {
      if (l2) {
        std::string bytes;
        codec_.encode(*value, &bytes);
        fills.emplace_back(RedisKey(load_keys[j]), std::move(bytes));
      }
      if (l1) l1_.Put(load_keys[j], value);
    }
    out[missing[j]] = std::move(value);
  }
  if (!fills.empty()) (void)l2_->SetMany(fills, options_.l2_ttl);  // failures are future misses
  return out;
}

template <typename V>
Status TieredCache<V>::Invalidate(std::span<const std::string> keys) {
  std::vector<std::string> redis_keys;
  redis_keys.reserve(keys.size());
  for (const std::string& k : keys) {
    Bump(k);
    l1_.Invalidate(k);
    redis_keys.push_back(RedisKey(k));
  }
  if (!options_.use_l2 || l2_ == nullptr || redis_keys.empty()) return Status::Ok();
  return l2_->Delete(redis_keys);
}

template <typename V>
TieredCacheStats TieredCache<V>::Stats() const {
  TieredCacheStats s;
  s.l1 = l1_.Stats();
  s.l2_hits = l2_hits_.load();
  s.l2_misses = l2_misses_.load();
  s.l2_decode_errors = l2_decode_errors_.load();
  s.loader_calls = loader_calls_.load();
  s.loader_errors = loader_errors_.load();
  s.remote_invalidations = remote_invalidations_.load();
  s.l1_flushes = l1_flushes_.load();
  s.l1_bypassed = l1_bypassed_.load();
  if (l2_ != nullptr) s.l2 = l2_->Stats();
  if (listener_ != nullptr) s.listener = listener_->Stats();
  return s;
}

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_TIERED_CACHE_H_
