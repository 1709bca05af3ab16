// Trial program "containers": hash maps, sorting, a lock shared by two threads, and a column scan
// whose speed depends on where its arrays land (different per process). Target (slowed in the
// slow builds): BM_HashMap_Lookup, whose slow builds look up kSlowdownPct percent more keys.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "slowdown.h"

namespace {

using chinook::trials::Rng;

constexpr size_t kBuildKeys = 4096;
constexpr size_t kLookupTableKeys = 1 << 16;  // 64k entries: beyond L1 and L2, as a real index
constexpr size_t kLookups = 1000;
constexpr size_t kSortInts = 10000;
constexpr size_t kSortStrings = 2000;
constexpr size_t kLockedLookups = 256;

std::vector<uint64_t> RandomKeys(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint64_t> keys(n);
  for (uint64_t& k : keys) k = rng.Next();
  return keys;
}

void BM_HashMap_Build(benchmark::State& state) {
  const std::vector<uint64_t> keys = RandomKeys(kBuildKeys, 1);
  for (auto _ : state) {
    std::unordered_map<uint64_t, uint64_t> map;
    for (uint64_t k : keys) map.emplace(k, k >> 3);
    benchmark::DoNotOptimize(map.size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBuildKeys));
}
BENCHMARK(BM_HashMap_Build);

// Half the probes hit, half miss.
void BM_HashMap_Lookup(benchmark::State& state) {
  const std::vector<uint64_t> keys = RandomKeys(kLookupTableKeys, 2);
  std::unordered_map<uint64_t, uint64_t> map;
  for (uint64_t k : keys) map.emplace(k, k >> 3);
  const size_t lookups = chinook::trials::Scaled(kLookups);
  std::vector<uint64_t> probes;
  Rng rng(3);
  for (size_t i = 0; i < lookups; ++i) probes.push_back(i % 2 ? keys[rng.Below(keys.size())] : rng.Next());
  for (auto _ : state) {
    uint64_t sum = 0;
    for (uint64_t p : probes) {
      auto it = map.find(p);
      if (it != map.end()) sum += it->second;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kLookups));
}
BENCHMARK(BM_HashMap_Lookup);

// The timed loop of both sorts: a fresh copy of `input` sorted per iteration.
template <typename T>
void SortCopies(benchmark::State& state, const std::vector<T>& input) {
  std::vector<T> v;
  for (auto _ : state) {
    v = input;
    std::sort(v.begin(), v.end());
    benchmark::DoNotOptimize(v.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * input.size()));
}

void BM_Sort_Ints(benchmark::State& state) { SortCopies(state, RandomKeys(kSortInts, 4)); }
BENCHMARK(BM_Sort_Ints);

void BM_Sort_Strings(benchmark::State& state) {
  Rng rng(5);
  std::vector<std::string> input;
  for (size_t i = 0; i < kSortStrings; ++i) input.push_back("customer/" + std::to_string(rng.Below(1000000000)));
  SortCopies(state, input);
}
BENCHMARK(BM_Sort_Strings);

// A small ordered map behind one mutex, read by two threads: the lock handoffs and the cache line
// bouncing between cores are what a shared in-process cache costs.
std::mutex locked_mutex;
std::map<uint64_t, uint64_t>* locked_map = nullptr;

void BM_Locked_Lookup(benchmark::State& state) {
  if (state.thread_index() == 0) {
    locked_map = new std::map<uint64_t, uint64_t>();
    for (uint64_t k = 0; k < 1024; ++k) (*locked_map)[k * 7] = k;
  }
  // The library starts the timed loop of all threads together, after thread 0's setup.
  Rng rng(6 + static_cast<uint64_t>(state.thread_index()));
  for (auto _ : state) {
    uint64_t sum = 0;
    for (size_t i = 0; i < kLockedLookups; ++i) {
      const uint64_t key = rng.Below(1024 * 7);
      std::lock_guard<std::mutex> lock(locked_mutex);
      auto it = locked_map->find(key);
      if (it != locked_map->end()) sum += it->second;
    }
    benchmark::DoNotOptimize(sum);
  }
  if (state.thread_index() == 0) {
    delete locked_map;
    locked_map = nullptr;
  }
}
BENCHMARK(BM_Locked_Lookup)->Threads(2);

// Sums 11 float columns row by row. When the columns start at the same offset within a 4 KiB page
// (as page-aligned allocations do), the 11 streams compete for the same L1 sets of an 8-way cache
// and the scan slows by about 40% (measured on this AMD EPYC); staggered by a cache line each,
// they do not. Which placement a process gets is decided by address-space layout randomization
// (a bit of the stack's address), the way a layout effect differs from process to process in
// real programs (Stabilizer, Curtsinger & Berger, ASPLOS 2013), made strong and 50/50 on purpose.
constexpr int kColumns = 11;
constexpr size_t kRows = 8192;
constexpr size_t kPage = 4096;

void BM_Columns_Sum(benchmark::State& state) {
  const int marker = 0;
  const bool staggered = (reinterpret_cast<uintptr_t>(&marker) >> 12) & 1;
  std::vector<char*> blocks;
  std::vector<const float*> columns;
  for (int c = 0; c < kColumns; ++c) {
    char* block = static_cast<char*>(std::aligned_alloc(kPage, kRows * sizeof(float) + kPage));
    float* column = reinterpret_cast<float*>(block + (staggered ? 64 * c : 0));
    for (size_t i = 0; i < kRows; ++i) column[i] = static_cast<float>(i % 97) * 0.5f;
    blocks.push_back(block);
    columns.push_back(column);
  }
  for (auto _ : state) {
    float total = 0;
    for (size_t i = 0; i < kRows; ++i) {
      float row = 0;
      for (const float* column : columns) row += column[i];
      total += row;
    }
    benchmark::DoNotOptimize(total);
  }
  for (char* block : blocks) std::free(block);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRows));
}
BENCHMARK(BM_Columns_Sum);

}  // namespace

BENCHMARK_MAIN();
