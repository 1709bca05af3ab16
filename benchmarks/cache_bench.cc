// Cache benchmarks: the policy's hit rate on the Zipf workload (beside LRU), the L1 hit
// path (beside a bare std::unordered_map under a mutex), Redis single GETs against MGET, and the
// stampede with and without request coalescing.
//
// The Redis benchmarks read CHINOOK_REDIS_URL (one server) and the BM_RedisCluster ones
// CHINOOK_REDIS_CLUSTER (a cluster's seeds; both from ci/services.sh) and report an error naming
// the variable when it is unset.
#include <benchmark/benchmark.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "benchmark_memory.h"
#include "cache/local_cache.h"
#include "cache/redis_cache.h"
#include "workload/customer_corpus.h"
#include "workload/service_env.h"
#include "workload/traces.h"

namespace chinook::cache {
namespace {

using Customer = ::chinook::customer::v1::Customer;
using CustomerPtr = std::shared_ptr<const Customer>;
using workload::ZipfTrace;

// The workload: Zipf s = 0.99 over 100,000 keys, 1,000,000 requests, seed 42.
const std::vector<uint64_t>& ZipfWorkload() {
  static const auto* trace = new std::vector<uint64_t>(ZipfTrace(100'000, 1'000'000, 0.99, 42));
  return *trace;
}

// Steady-state hit rate. Each iteration builds a fresh cache, replays the trace once to warm it
// and once more to measure it (Get, and Put on a miss); the counter is the hit rate of the second
// replay: the figure a long-running cache sees, not the cold start. Trace and policy are
// deterministic, so the figure is the same in every iteration, run and machine; the time is that
// of both replays (items_per_second counts their 2,000,000 requests).
void HitRateZipf(benchmark::State& state, EvictionPolicyKind policy) {
  const auto& trace = ZipfWorkload();
  LocalCacheOptions options;
  options.max_entries = static_cast<size_t>(state.range(0));
  options.policy = policy;
  options.default_ttl = nanoseconds(0);
  uint64_t hits = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    LocalCache<uint64_t, bool> cache(options);
    for (int replay = 0; replay < 2; ++replay) {
      hits = 0;
      for (uint64_t key : trace) {
        if (cache.Get(key)) {
          ++hits;
        } else {
          cache.Put(key, true);
        }
      }
    }
  }
  state.counters["hit_rate"] = static_cast<double>(hits) / static_cast<double>(trace.size());
  state.SetItemsProcessed(state.iterations() * 2 * static_cast<int64_t>(trace.size()));
}

void BM_Cache_HitRate_Zipf(benchmark::State& state) { HitRateZipf(state, EvictionPolicyKind::kWTinyLfu); }
void BM_Cache_HitRate_Zipf_LRU(benchmark::State& state) { HitRateZipf(state, EvictionPolicyKind::kLru); }
BENCHMARK(BM_Cache_HitRate_Zipf)->ArgName("capacity")->Arg(20'000)->Arg(10'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Cache_HitRate_Zipf_LRU)->ArgName("capacity")->Arg(20'000)->Arg(10'000)->Unit(benchmark::kMillisecond);

// --- The L1 hit path --------------------------------------------------------------------------

constexpr int kResidentKeys = 10'000;

const std::vector<std::string>& ResidentKeys() {
  static const auto* keys = [] {
    auto* k = new std::vector<std::string>;
    for (int i = 0; i < kResidentKeys; ++i) k->push_back("cust-42-" + std::to_string(i));
    return k;
  }();
  return *keys;
}

// A random permutation walk so that both benchmarks touch keys in the same, cache-unfriendly order.
const std::vector<uint32_t>& AccessOrder() {
  static const auto* order = [] {
    auto* o = new std::vector<uint32_t>;
    const auto zipf = ZipfTrace(kResidentKeys, 1 << 16, 0.8, 7);
    for (uint64_t k : zipf) o->push_back(static_cast<uint32_t>(k));
    return o;
  }();
  return *order;
}

// 10,000 resident customers in a cache of 20,000, so every lookup hits. With `write_every` > 0,
// every that-many-th operation of a thread is a Put replacing a resident entry instead.
void LocalCacheHitPath(benchmark::State& state, int write_every) {
  static LocalCache<std::string, CustomerPtr>* cache = nullptr;
  static CustomerPtr value;
  if (state.thread_index() == 0) {
    cache = new LocalCache<std::string, CustomerPtr>({.max_entries = 2 * kResidentKeys});
    value = std::make_shared<const Customer>(workload::MakeCorpus(1)[0]);
    for (const auto& k : ResidentKeys()) cache->Put(k, value);
  }
  const auto& keys = ResidentKeys();
  const auto& order = AccessOrder();
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  int until_write = write_every;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    const std::string& key = keys[order[i++ & (order.size() - 1)]];
    if (write_every > 0 && --until_write == 0) {
      until_write = write_every;
      cache->Put(key, value);
    } else {
      auto v = cache->Get(key);
      benchmark::DoNotOptimize(v);
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    state.counters["hit_rate"] = cache->Stats().hit_rate();
    delete cache;
    cache = nullptr;
    value.reset();
  }
}

void BM_LocalCache_Get(benchmark::State& state) { LocalCacheHitPath(state, 0); }
BENCHMARK(BM_LocalCache_Get)->Threads(1)->Threads(2);

// Issue 12's 75/25 read/write mix: one operation in four replaces a resident entry.
void BM_LocalCache_ReadWrite(benchmark::State& state) { LocalCacheHitPath(state, 4); }
BENCHMARK(BM_LocalCache_ReadWrite)->Threads(1)->Threads(2);

// The yardstick of the L1 hit path: std::unordered_map under one std::mutex, same keys, same
// values (a shared_ptr copied out), same order. No policy, no TTL, no bound.
void BM_MutexUnorderedMap_Get(benchmark::State& state) {
  struct Map {
    std::mutex mu;
    std::unordered_map<std::string, CustomerPtr> map;  // GUARDED_BY(mu)
  };
  static Map* map = nullptr;
  if (state.thread_index() == 0) {
    map = new Map;
    auto value = std::make_shared<const Customer>(workload::MakeCorpus(1)[0]);
    for (const auto& k : ResidentKeys()) map->map.emplace(k, value);
  }
  const auto& keys = ResidentKeys();
  const auto& order = AccessOrder();
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    CustomerPtr v;
    {
      std::lock_guard lock(map->mu);
      auto it = map->map.find(keys[order[i++ & (order.size() - 1)]]);
      if (it != map->map.end()) v = it->second;
    }
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    delete map;
    map = nullptr;
  }
}
BENCHMARK(BM_MutexUnorderedMap_Get)->Threads(1)->Threads(2);

// --- Stampede -----------------------------------------------------------------------------------

// 64 threads miss the same key at the same moment; the loader stands for a database query of
// about a millisecond. One iteration is one burst on a fresh key. The benchmark thread spins
// while a burst runs, so that its CPU time (which Google Benchmark uses to size the run, as the
// names carry no /real_time) follows the burst's wall time.
void BM_Cache_Stampede(benchmark::State& state, bool coalesce) {
  constexpr int kThreads = 64;
  constexpr auto kLoadTime = std::chrono::milliseconds(1);
  LocalCache<uint64_t, int> cache({.max_entries = 10'000, .coalesce_loads = coalesce});
  std::atomic<uint64_t> loader_calls{0};
  std::atomic<uint64_t> key{0};
  std::atomic<bool> done{false};
  std::atomic<int> finished{0};
  std::barrier start(kThreads + 1);
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&] {
      while (true) {
        start.arrive_and_wait();
        if (done.load()) return;
        auto r = cache.GetOrLoad(key.load(), [&]() -> Result<std::optional<int>> {
          loader_calls.fetch_add(1);
          std::this_thread::sleep_for(kLoadTime);
          return std::optional<int>(1);
        });
        benchmark::DoNotOptimize(r);
        finished.fetch_add(1, std::memory_order_release);
      }
    });
  }
  // The loads run on the 64 workers, joined before `mem` reports: process_allocs_per_op counts them.
  memory::ScopedMemoryCounters mem(state, {.helper_threads = true});
  for (auto _ : state) {
    key.fetch_add(1);
    finished.store(0, std::memory_order_relaxed);
    start.arrive_and_wait();
    while (finished.load(std::memory_order_acquire) < kThreads) std::this_thread::yield();
  }
  done = true;
  start.arrive_and_wait();
  for (auto& w : workers) w.join();
  state.counters["loader_calls_per_burst"] =
      static_cast<double>(loader_calls.load()) / static_cast<double>(state.iterations());
}
BENCHMARK_CAPTURE(BM_Cache_Stampede, coalesced, true);
BENCHMARK_CAPTURE(BM_Cache_Stampede, uncoalesced, false);

// --- Redis --------------------------------------------------------------------------------------

constexpr int kRedisKeys = 1000;

// The cache the variable names (CHINOOK_REDIS_URL: one server; CHINOOK_REDIS_CLUSTER: a
// cluster's seeds) holding kRedisKeys customers, or null with the error set. The keys hash to
// slots all over the cluster's range, so a cluster batch reaches every master.
std::unique_ptr<RemoteCache> FilledRedis(benchmark::State& state, const char* var, std::vector<std::string>* keys) {
  const std::string url = workload::EnvOrEmpty(var);
  if (url.empty()) {
    state.SkipWithError(workload::MissingEnvMessage(var).c_str());
    return nullptr;
  }
  auto cache = NewRemoteCacheFromUrls(url);
  if (!cache.ok()) {
    state.SkipWithError(cache.status().ToString().c_str());
    return nullptr;
  }
  std::vector<std::pair<std::string, std::string>> entries;
  for (const Customer& c : workload::MakeCorpus(kRedisKeys, {.seed = 7})) {
    entries.emplace_back(CustomerCacheKey(c.id()), c.SerializeAsString());
    keys->push_back(entries.back().first);
  }
  if (Status s = (*cache)->SetMany(entries, std::chrono::minutes(10)); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return nullptr;
  }
  return std::move(*cache);
}

// One GET round trip per key.
void RunGetSingle(benchmark::State& state, const char* var) {
  std::vector<std::string> keys;
  auto cache = FilledRedis(state, var, &keys);
  if (cache == nullptr) return;
  size_t i = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    auto v = cache->Get(keys[i]);
    if (!v) state.SkipWithError("redis GET missed a key it had just stored");
    benchmark::DoNotOptimize(v);
    if (++i == keys.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

// state.range(0) keys per GetMany; items are keys, so items_per_second compares with the single
// GETs directly. One server: one MGET round trip. A cluster: one pipeline per master, all in
// flight together.
void RunGetMany(benchmark::State& state, const char* var) {
  std::vector<std::string> keys;
  auto cache = FilledRedis(state, var, &keys);
  if (cache == nullptr) return;
  const auto batch_size = static_cast<size_t>(state.range(0));
  std::vector<std::string> batch;
  size_t i = 0;
  memory::ScopedMemoryCounters mem(state);
  for (auto _ : state) {
    batch.clear();
    for (size_t j = 0; j < batch_size; ++j) {
      batch.push_back(keys[i]);
      if (++i == keys.size()) i = 0;
    }
    auto values = cache->GetMany(batch);
    benchmark::DoNotOptimize(values);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(batch_size));
}

void BM_Redis_Get_Single(benchmark::State& state) { RunGetSingle(state, workload::kRedisUrlVar); }
BENCHMARK(BM_Redis_Get_Single);
// In real time too: what redis-benchmark's requests per second compare with (issue 15).
BENCHMARK(BM_Redis_Get_Single)->UseRealTime();
void BM_Redis_GetMany(benchmark::State& state) { RunGetMany(state, workload::kRedisUrlVar); }
BENCHMARK(BM_Redis_GetMany)->Arg(100);
void BM_RedisCluster_Get_Single(benchmark::State& state) { RunGetSingle(state, workload::kRedisClusterVar); }
BENCHMARK(BM_RedisCluster_Get_Single);
void BM_RedisCluster_GetMany(benchmark::State& state) { RunGetMany(state, workload::kRedisClusterVar); }
BENCHMARK(BM_RedisCluster_GetMany)->Arg(100);

}  // namespace
}  // namespace chinook::cache
