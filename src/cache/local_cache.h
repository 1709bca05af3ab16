// LocalCache: a bounded in-process cache with W-TinyLFU admission and eviction (LRU available for
// comparison), per-entry TTL, request coalescing and optional negative caching.
//
//   cache::LocalCache<std::string, std::shared_ptr<const Customer>> cache({.max_entries = 20000});
//   auto c = cache.GetOrLoad(id, [&]() -> Result<std::optional<Ptr>> { return LoadFromDb(id); });
//
// Bounds: `max_entries` always, `max_bytes` optionally (each entry weighs what the weigher says).
// The cache is split into shards by key hash, each with its own lock, map, policy and frequency
// sketch, so that threads touching different keys rarely contend.
//
// Expiry: every entry has a deadline (options.default_ttl unless Put gives one). An expired entry
// is never returned: a lookup that finds one removes it and reports a miss (lazy expiry), and each
// shard sweeps out all its expired entries every `sweep_interval`, checked on its next operation,
// so that dead entries do not hold memory while the shard is busy with other keys.
//
// GetOrLoad: the first caller to miss a key runs the loader; concurrent callers for the same key
// wait for that one call and share its value, its "not found", or its error (a stampede costs one
// load). A waiter gives up at its deadline with DeadlineExceeded; the load itself continues and
// fills the cache. An invalidation or Put of the key while its load runs keeps the (possibly
// stale) loaded value out of the cache; the callers still receive it.
//
// Hits: a shard records the entries its lookups found in a small buffer and hands them to the
// policy in batches of kReadBufferSize (as Caffeine's read buffers, but never lossy), so that the
// cache misses of one batch's list moves and counter increments overlap instead of following one
// another. The buffer is drained before anything else reaches the policy (a miss, an insert, an
// eviction, a removal), so each shard's policy sees its own events in their order and decides as
// it would unbuffered. Only the climber, shared by the shards, now sees a shard's sampled hits up
// to 15 of that shard's requests late: measured on the 35 cachesim cells, hit rates moved by at
// most 0.5 points either way (the same 22 cells meet issue 12's goals).
//
// Thread safety: all methods may be called concurrently. Values are returned by copy, so V is
// typically a std::shared_ptr<const T>. Loaders run on the calling thread without any cache lock
// held; they may use the cache (other keys) but must not throw past a waiter — an escaping
// exception is caught and shared as an Internal error.
#ifndef CHINOOK_CACHE_LOCAL_CACHE_H_
#define CHINOOK_CACHE_LOCAL_CACHE_H_

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cache/clock.h"
#include "cache/eviction_policy.h"
#include "cache/frequency_sketch.h"
#include "cache/window_climber.h"
#include "chinook/status.h"
#include "common/mutex.h"

namespace chinook::cache {

using std::chrono::nanoseconds;

struct LocalCacheOptions {
  // Most entries held at once (over all shards). Must be >= 1.
  size_t max_entries = 10'000;
  // Most bytes held at once as counted by the weigher; 0 leaves the cache bounded by entries only.
  size_t max_bytes = 0;
  // Lifetime of an entry whose Put does not say; <= 0 means entries never expire. Five minutes
  // bounds how long a value written behind the cache's back (another process, a manual fix) stays
  // visible when no invalidation reaches us.
  nanoseconds default_ttl = std::chrono::minutes(5);
  // Lifetime of a cached "not found" from GetOrLoad; 0 (the default) does not cache absences,
  // since a freshly created row would otherwise stay invisible for this long.
  nanoseconds negative_ttl = nanoseconds(0);
  // How often each shard drops all its expired entries at once (on its next operation).
  nanoseconds sweep_interval = std::chrono::seconds(30);
  EvictionPolicyKind policy = EvictionPolicyKind::kWTinyLfu;
  WTinyLfuOptions tinylfu = {};
  // log2 of the shard count; -1 picks it from the capacity and the core count (at least ~1024
  // entries per shard, since tiny shards make the policy's window and sample sizes meaningless).
  int num_shard_bits = -1;
  // Whether concurrent GetOrLoad misses of one key share one loader call. Off only to measure the
  // stampede it prevents.
  bool coalesce_loads = true;
  // Time source for TTLs; null means SystemClock().
  std::shared_ptr<Clock> clock{};
};

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;               // includes expired entries found by a lookup
  uint64_t negative_hits = 0;        // GetOrLoad answered "not found" from the cache
  uint64_t evictions = 0;            // removed by the policy to respect a bound
  uint64_t admissions_rejected = 0;  // newcomers W-TinyLFU refused (counted in evictions too)
  uint64_t expirations = 0;          // removed because their TTL passed
  uint64_t invalidations = 0;        // removed by Invalidate/InvalidateAll
  uint64_t loads = 0;                // loader calls that succeeded (value or not found)
  uint64_t load_errors = 0;          // loader calls that returned an error
  uint64_t coalesced_waits = 0;      // GetOrLoad calls that waited for another caller's load
  uint64_t wait_timeouts = 0;        // waiters whose deadline passed first
  size_t entries = 0;
  size_t bytes = 0;

  CacheStats& operator+=(const CacheStats& o) {
    hits += o.hits;
    misses += o.misses;
    negative_hits += o.negative_hits;
    evictions += o.evictions;
    admissions_rejected += o.admissions_rejected;
    expirations += o.expirations;
    invalidations += o.invalidations;
    loads += o.loads;
    load_errors += o.load_errors;
    coalesced_waits += o.coalesced_waits;
    wait_timeouts += o.wait_timeouts;
    entries += o.entries;
    bytes += o.bytes;
    return *this;
  }

  double hit_rate() const {
    const uint64_t lookups = hits + negative_hits + misses;
    return lookups == 0 ? 0.0 : static_cast<double>(hits + negative_hits) / static_cast<double>(lookups);
  }
};

struct GetOrLoadOptions {
  // When a waiter stops waiting for another caller's load. The default waits as long as the load.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

template <typename K, typename V, typename Hash = std::hash<K>>
class LocalCache {
 public:
  // Bytes an entry counts against max_bytes.
  using Weigher = std::function<size_t(const K&, const V&)>;
  // What a loader returns: a value, std::nullopt for "does not exist", or an error.
  using LoadResult = Result<std::optional<V>>;

  // Without a weigher, an entry weighs sizeof(K) + sizeof(V) plus a fixed overhead, which makes
  // max_bytes an approximate entry bound; pass a weigher to count what values really hold.
  explicit LocalCache(LocalCacheOptions options, Weigher weigher = nullptr);
  LocalCache(const LocalCache&) = delete;
  LocalCache& operator=(const LocalCache&) = delete;

  // The cached value, or std::nullopt on a miss (including a cached "not found").
  std::optional<V> Get(const K& key);

  // Inserts or replaces; `ttl` overrides default_ttl (<= 0: never expires). The policy may evict
  // other entries, or refuse this newcomer when W-TinyLFU judges it colder than the victim.
  void Put(const K& key, V value, std::optional<nanoseconds> ttl = std::nullopt);

  // The cached value, or the loader's result (cached when it is a value, or a "not found" with
  // negative_ttl > 0). `loader` is callable as LoadResult(); see the header comment for coalescing.
  template <typename Loader>
  LoadResult GetOrLoad(const K& key, Loader&& loader, const GetOrLoadOptions& options = {});

  // Removes the key; true if an entry (or cached "not found") was there.
  bool Invalidate(const K& key);
  // Removes everything (e.g. when cross-process invalidations may have been lost).
  void InvalidateAll();
  // Drops every expired entry now; returns how many.
  size_t SweepExpired();

  CacheStats Stats() const;
  size_t size() const;
  size_t shard_count() const { return shards_.size(); }
  // Sum over shards of the W-TinyLFU window targets (0 for LRU): shows the hill climber at work.
  size_t window_capacity() const;

 private:
  struct Entry : internal::PolicyNode {
    const K* key = nullptr;      // points into the map node, which never moves
    std::optional<V> value;      // std::nullopt: a cached "not found"
    int64_t expire_at = 0;       // Clock nanoseconds; INT64_MAX: never
    size_t weight = 0;
  };

  struct InFlight {
    Mutex mu;
    CondVar done_cv;
    bool done CHINOOK_GUARDED_BY(mu) = false;
    std::optional<LoadResult> result CHINOOK_GUARDED_BY(mu);  // set once, before done
    // Invalidated while loading. Guarded by the owning Shard's mu, which an annotation here
    // cannot name (an InFlight does not know its shard).
    bool stale = false;
  };

  // Lookups pass the key with the hash already computed for shard and sketch (heterogeneous
  // lookup), so a string key is hashed once per operation, not twice.
  struct HashedKey {
    const K& key;
    size_t hash;  // Hash()(key)
  };
  struct MapHash {
    using is_transparent = void;
    size_t operator()(const K& key) const { return Hash()(key); }
    size_t operator()(const HashedKey& k) const { return k.hash; }
  };
  struct MapEqual {
    using is_transparent = void;
    bool operator()(const K& a, const K& b) const { return a == b; }
    bool operator()(const HashedKey& a, const K& b) const { return a.key == b; }
    bool operator()(const K& a, const HashedKey& b) const { return a == b.key; }
  };

  // Hits a shard buffers before the policy sees them: enough to overlap a batch's memory accesses,
  // few enough that the buffer stays in one or two cache lines.
  static constexpr uint32_t kReadBufferSize = 16;

  struct alignas(64) Shard {  // a cache line of its own: shards are touched by different threads
    mutable Mutex mu;
    std::unordered_map<K, Entry, MapHash, MapEqual> map CHINOOK_GUARDED_BY(mu);
    std::unordered_map<K, std::shared_ptr<InFlight>, Hash> loading CHINOOK_GUARDED_BY(mu);
    std::unique_ptr<internal::EvictionPolicy> policy CHINOOK_GUARDED_BY(mu);
    size_t max_bytes = 0;
    size_t bytes CHINOOK_GUARDED_BY(mu) = 0;
    int64_t next_sweep CHINOOK_GUARDED_BY(mu) = 0;
    CacheStats stats CHINOOK_GUARDED_BY(mu);  // entries/bytes filled in by Stats()
    // Hits not yet passed to the policy, oldest first (see the header comment).
    uint32_t read_count CHINOOK_GUARDED_BY(mu) = 0;
    internal::PolicyNode* reads[kReadBufferSize] CHINOOK_GUARDED_BY(mu);
  };

  static constexpr size_t kMinEntriesPerShard = 1024;
  static constexpr size_t kMaxAutoShards = 64;
  static constexpr size_t kEntryOverheadBytes = 64;  // map node, links, deadline: approximate

  // The key's Hash and its mixed form (shard, sketch).
  struct KeyHashes {
    size_t raw;
    uint64_t mixed;
  };
  KeyHashes HashOf(const K& key) const {
    const size_t raw = hasher_(key);
    return {raw, internal::MixHash(static_cast<uint64_t>(raw))};
  }
  Shard& ShardFor(uint64_t hash) { return *shards_[hash >> shard_shift_ & (shards_.size() - 1)]; }
  int64_t NowNanos() const { return clock_->Now().count(); }
  int64_t DeadlineAfter(int64_t now, nanoseconds ttl) const {
    if (ttl.count() <= 0 || ttl.count() > INT64_MAX - now) return INT64_MAX;
    return now + ttl.count();
  }

  // Finds a live entry or removes an expired one.
  Entry* FindLive(Shard& shard, const K& key, size_t raw_hash, int64_t now) CHINOOK_REQUIRES(shard.mu);
  void Erase(Shard& shard, Entry* entry) CHINOOK_REQUIRES(shard.mu);
  // A lookup found `entry`: buffered, and the buffer drained when full.
  static void RecordHit(Shard& shard, Entry* entry) CHINOOK_REQUIRES(shard.mu) {
    shard.reads[shard.read_count++] = entry;
    if (shard.read_count == kReadBufferSize) DrainReads(shard);
  }
  // Passes the buffered hits to the policy.
  static void DrainReads(Shard& shard) CHINOOK_REQUIRES(shard.mu) {
    if (shard.read_count == 0) return;
    const uint32_t n = shard.read_count;
    shard.read_count = 0;
    shard.policy->OnHits(shard.reads, n);
  }
  // The shard's policy, the buffered hits passed on first. Every policy call but a buffered hit
  // goes through here, so the policy sees the shard's events in order; Erase comes here before it
  // frees an entry, so the buffer never points at a freed one.
  static internal::EvictionPolicy& Policy(Shard& shard) CHINOOK_REQUIRES(shard.mu) {
    DrainReads(shard);
    return *shard.policy;
  }
  void MaybeSweep(Shard& shard, int64_t now) CHINOOK_REQUIRES(shard.mu);
  size_t SweepLocked(Shard& shard, int64_t now) CHINOOK_REQUIRES(shard.mu);
  // Inserts or replaces and enforces the bounds.
  void Install(Shard& shard, const KeyHashes& hashes, const K& key, std::optional<V> value, int64_t expire_at)
      CHINOOK_REQUIRES(shard.mu);
  void MarkLoadStale(Shard& shard, const K& key) CHINOOK_REQUIRES(shard.mu);
  // The sum of per_shard(shard) over all shards, each called with the shard's lock held.
  template <typename F>
  auto SumOverShards(F per_shard) const;
  // What Stats(), size() and window_capacity() sum. Functions rather than lambdas, so that the
  // analysis checks their bodies under CHINOOK_REQUIRES (clang 14 misapplies the attribute to a
  // lambda's call); SumOverShards calls them through a pointer, which it does not check.
  static CacheStats ShardStats(const Shard& shard) CHINOOK_REQUIRES(shard.mu) {
    CacheStats s = shard.stats;
    s.entries = shard.map.size();
    s.bytes = shard.bytes;
    return s;
  }
  static size_t ShardSize(const Shard& shard) CHINOOK_REQUIRES(shard.mu) { return shard.map.size(); }
  static size_t ShardWindowCapacity(const Shard& shard) CHINOOK_REQUIRES(shard.mu) {
    return shard.policy->window_capacity();
  }

  const LocalCacheOptions options_;
  const Weigher weigher_;
  const Hash hasher_;
  const std::shared_ptr<Clock> clock_;
  int shard_shift_ = 0;
  std::vector<std::unique_ptr<Shard>> shards_;
};

// ---------------------------------------------------------------------------------------------
// Implementation (a template: it lives in the header).

template <typename K, typename V, typename Hash>
LocalCache<K, V, Hash>::LocalCache(LocalCacheOptions options, Weigher weigher)
    : options_(std::move(options)),
      weigher_(std::move(weigher)),
      hasher_(),
      clock_(options_.clock ? options_.clock : SystemClock()) {
  const size_t max_entries = std::max<size_t>(options_.max_entries, 1);
  int bits = options_.num_shard_bits;
  if (bits < 0) {
    // From the capacity alone, not the core count, so that a trace gives the same hit rate on
    // every machine; up to 64 shards is plenty of lock striping for any core count here.
    const size_t by_capacity = std::bit_floor(std::max<size_t>(max_entries / kMinEntriesPerShard, 1));
    bits = std::countr_zero(std::min<size_t>(by_capacity, kMaxAutoShards));
  }
  bits = std::clamp(bits, 0, 16);
  const size_t count = size_t{1} << bits;
  // The top bits choose the shard; the policy's sketch uses the low ones.
  shard_shift_ = 64 - std::max(bits, 1);
  const int64_t now = NowNanos();
  // One hill climber for all shards: it judges the window on every request of the cache.
  std::shared_ptr<internal::WindowClimber> climber;
  if (options_.policy == EvictionPolicyKind::kWTinyLfu && options_.tinylfu.adaptive_window) {
    climber = std::make_shared<internal::WindowClimber>(max_entries, options_.tinylfu.window_fraction,
                                                        internal::MaxWindowFraction(options_.tinylfu));
  }
  for (size_t i = 0; i < count; ++i) {
    // Shard capacities add up to max_entries exactly (at least 1 each).
    const size_t per_shard = std::max<size_t>(max_entries / count + (i < max_entries % count ? 1 : 0), 1);
    auto shard = std::make_unique<Shard>();
    shard->policy = options_.policy == EvictionPolicyKind::kLru
                        ? internal::NewLruPolicy(per_shard)
                        : internal::NewWTinyLfuPolicy(per_shard, options_.tinylfu, climber);
    shard->max_bytes = options_.max_bytes == 0 ? 0 : std::max<size_t>(options_.max_bytes / count, 1);
    shard->next_sweep = DeadlineAfter(now, options_.sweep_interval);
    shards_.push_back(std::move(shard));
  }
}

template <typename K, typename V, typename Hash>
typename LocalCache<K, V, Hash>::Entry* LocalCache<K, V, Hash>::FindLive(Shard& shard, const K& key,
                                                                         size_t raw_hash, int64_t now) {
  auto it = shard.map.find(HashedKey{key, raw_hash});
  if (it == shard.map.end()) return nullptr;
  Entry* entry = &it->second;
  if (entry->expire_at <= now) {
    ++shard.stats.expirations;
    Erase(shard, entry);
    return nullptr;
  }
  return entry;
}

template <typename K, typename V, typename Hash>
void LocalCache<K, V, Hash>::Erase(Shard& shard, Entry* entry) {
  internal::EvictionPolicy& policy = Policy(shard);
  if (entry->queue != internal::Queue::kNone) policy.Remove(entry);
  shard.bytes -= entry->weight;
  shard.map.erase(*entry->key);
}

template <typename K, typename V, typename Hash>
void LocalCache<K, V, Hash>::MaybeSweep(Shard& shard, int64_t now) {
  if (now < shard.next_sweep) return;
  SweepLocked(shard, now);
  shard.next_sweep = DeadlineAfter(now, options_.sweep_interval);
}

template <typename K, typename V, typename Hash>
size_t LocalCache<K, V, Hash>::SweepLocked(Shard& shard, int64_t now) {
  size_t removed = 0;
  for (auto it = shard.map.begin(); it != shard.map.end();) {
    Entry& entry = it->second;
    ++it;  // Erase invalidates only the erased element's iterator
    if (entry.expire_at <= now) {
      Erase(shard, &entry);
      ++removed;
    }
  }
  shard.stats.expirations += removed;
  return removed;
}

template <typename K, typename V, typename Hash>
std::optional<V> LocalCache<K, V, Hash>::Get(const K& key) {
  const KeyHashes hash = HashOf(key);
  Shard& shard = ShardFor(hash.mixed);
  const int64_t now = NowNanos();
  MutexLock lock(&shard.mu);
  MaybeSweep(shard, now);
  Entry* entry = FindLive(shard, key, hash.raw, now);
  if (entry == nullptr || !entry->value.has_value()) {
    ++shard.stats.misses;
    Policy(shard).OnMiss(hash.mixed);
    return std::nullopt;
  }
  ++shard.stats.hits;
  RecordHit(shard, entry);
  return entry->value;
}

template <typename K, typename V, typename Hash>
void LocalCache<K, V, Hash>::Install(Shard& shard, const KeyHashes& hashes, const K& key, std::optional<V> value,
                                     int64_t expire_at) {
  const size_t weight = !value.has_value() ? sizeof(K) + kEntryOverheadBytes
                        : weigher_         ? weigher_(key, *value)
                                           : sizeof(K) + sizeof(V) + kEntryOverheadBytes;
  // A replacement is found with the hash already computed; only an insert hashes the key again
  // (try_emplace takes no precomputed hash).
  auto it = shard.map.find(HashedKey{key, hashes.raw});
  const bool inserted = it == shard.map.end();
  if (inserted) it = shard.map.try_emplace(key).first;
  Entry& entry = it->second;
  if (inserted) {
    entry.key = &it->first;
    entry.hash = hashes.mixed;
  } else {
    shard.bytes -= entry.weight;
  }
  entry.value = std::move(value);
  entry.expire_at = expire_at;
  entry.weight = weight;
  shard.bytes += weight;
  internal::EvictionPolicy& policy = Policy(shard);
  if (inserted) {
    policy.Add(&entry);
  } else {
    policy.OnHit(&entry);  // a write is an access: it keeps the entry's place earned
  }
  while (internal::PolicyNode* victim = policy.SelectVictim(false)) {
    ++shard.stats.evictions;
    Erase(shard, static_cast<Entry*>(victim));
  }
  while (shard.max_bytes != 0 && shard.bytes > shard.max_bytes) {
    internal::PolicyNode* victim = policy.SelectVictim(true);
    if (victim == nullptr) break;
    ++shard.stats.evictions;
    Erase(shard, static_cast<Entry*>(victim));
  }
  shard.stats.admissions_rejected = policy.admissions_rejected();
}

template <typename K, typename V, typename Hash>
void LocalCache<K, V, Hash>::MarkLoadStale(Shard& shard, const K& key) {
  if (shard.loading.empty()) return;
  auto it = shard.loading.find(key);
  if (it != shard.loading.end()) it->second->stale = true;
}

template <typename K, typename V, typename Hash>
void LocalCache<K, V, Hash>::Put(const K& key, V value, std::optional<nanoseconds> ttl) {
  const KeyHashes hashes = HashOf(key);
  Shard& shard = ShardFor(hashes.mixed);
  const int64_t now = NowNanos();
  MutexLock lock(&shard.mu);
  MaybeSweep(shard, now);
  MarkLoadStale(shard, key);
  Install(shard, hashes, key, std::move(value), DeadlineAfter(now, ttl.value_or(options_.default_ttl)));
}

template <typename K, typename V, typename Hash>
template <typename Loader>
typename LocalCache<K, V, Hash>::LoadResult LocalCache<K, V, Hash>::GetOrLoad(
    const K& key, Loader&& loader, const GetOrLoadOptions& options) {
  const KeyHashes hashes = HashOf(key);
  const uint64_t hash = hashes.mixed;
  Shard& shard = ShardFor(hash);
  std::shared_ptr<InFlight> flight;
  bool leader = true;
  {
    const int64_t now = NowNanos();
    MutexLock lock(&shard.mu);
    MaybeSweep(shard, now);
    if (Entry* entry = FindLive(shard, key, hashes.raw, now)) {
      RecordHit(shard, entry);
      if (!entry->value.has_value()) {
        ++shard.stats.negative_hits;
        return std::optional<V>();
      }
      ++shard.stats.hits;
      return entry->value;
    }
    ++shard.stats.misses;
    Policy(shard).OnMiss(hash);
    if (options_.coalesce_loads) {
      auto [it, inserted] = shard.loading.try_emplace(key);
      if (inserted) {
        it->second = std::make_shared<InFlight>();
      } else {
        leader = false;
        ++shard.stats.coalesced_waits;
      }
      flight = it->second;
    }
  }

  if (!leader) {
    {
      MutexLock wait_lock(&flight->mu);
      bool timed_out = false;
      while (!flight->done && !timed_out) {
        timed_out = flight->done_cv.WaitWithDeadline(&flight->mu, options.deadline);
      }
      if (flight->done) return *flight->result;
    }
    MutexLock lock(&shard.mu);
    ++shard.stats.wait_timeouts;
    return DeadlineExceededError("cache: gave up waiting for another caller's load of the key");
  }

  std::optional<LoadResult> result;
  try {
    result.emplace(loader());
  } catch (const std::exception& e) {
    result.emplace(InternalError(std::string("cache: loader threw: ") + e.what()));
  } catch (...) {
    result.emplace(InternalError("cache: loader threw a non-standard exception"));
  }

  {
    const int64_t now = NowNanos();
    MutexLock lock(&shard.mu);
    const bool stale = flight != nullptr && flight->stale;
    if (!result->ok()) {
      ++shard.stats.load_errors;
    } else {
      ++shard.stats.loads;
      const std::optional<V>& loaded = result->value();
      if (!stale && loaded.has_value()) {
        Install(shard, hashes, key, loaded, DeadlineAfter(now, options_.default_ttl));
      } else if (!stale && options_.negative_ttl.count() > 0) {
        Install(shard, hashes, key, std::nullopt, DeadlineAfter(now, options_.negative_ttl));
      }
    }
    if (flight != nullptr) shard.loading.erase(key);
  }
  if (flight != nullptr) {
    MutexLock flight_lock(&flight->mu);
    flight->result = *result;
    flight->done = true;
    flight->done_cv.SignalAll();
  }
  return std::move(*result);
}

template <typename K, typename V, typename Hash>
bool LocalCache<K, V, Hash>::Invalidate(const K& key) {
  Shard& shard = ShardFor(HashOf(key).mixed);
  MutexLock lock(&shard.mu);
  MarkLoadStale(shard, key);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) return false;
  ++shard.stats.invalidations;
  Erase(shard, &it->second);
  return true;
}

template <typename K, typename V, typename Hash>
void LocalCache<K, V, Hash>::InvalidateAll() {
  for (auto& shard : shards_) {
    MutexLock lock(&shard->mu);
    for (auto& [key, flight] : shard->loading) flight->stale = true;
    while (!shard->map.empty()) {
      ++shard->stats.invalidations;
      Erase(*shard, &shard->map.begin()->second);
    }
  }
}

template <typename K, typename V, typename Hash>
size_t LocalCache<K, V, Hash>::SweepExpired() {
  size_t removed = 0;
  const int64_t now = NowNanos();
  for (auto& shard : shards_) {
    MutexLock lock(&shard->mu);
    removed += SweepLocked(*shard, now);
  }
  return removed;
}

template <typename K, typename V, typename Hash>
template <typename F>
auto LocalCache<K, V, Hash>::SumOverShards(F per_shard) const {
  decltype(per_shard(*shards_.front())) total{};
  for (const auto& shard : shards_) {
    MutexLock lock(&shard->mu);
    total += per_shard(*shard);
  }
  return total;
}

template <typename K, typename V, typename Hash>
CacheStats LocalCache<K, V, Hash>::Stats() const {
  return SumOverShards(&ShardStats);
}

template <typename K, typename V, typename Hash>
size_t LocalCache<K, V, Hash>::size() const {
  return SumOverShards(&ShardSize);
}

template <typename K, typename V, typename Hash>
size_t LocalCache<K, V, Hash>::window_capacity() const {
  return SumOverShards(&ShardWindowCapacity);
}

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_LOCAL_CACHE_H_
