// A bursty noisy neighbour, as other jobs on a shared CI runner are: --threads threads, each
// alternating bursts of memory-heavy work (random walks over a large array, which miss every
// cache, and allocation churn, which keeps the allocator and the page tables busy) with pauses, both
// of random length. A steady hog on one core is too gentle a neighbour: the scheduler gives the
// benchmark the other core and nothing is shared; bursts arrive mid-measurement, take a core and
// the shared cache and memory bandwidth away for a while, and leave again.
//
//   chinook-trials-neighbour [--threads N] [--burst-ms MIN:MAX] [--pause-ms MIN:MAX]
//                            [--memory-mb MB] [--seconds S] [--seed N]
//
// Runs until SIGTERM or SIGINT (or --seconds), then prints what it did to stderr and exits 0.
// Bad arguments: a message naming the argument, exit 2.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "slowdown.h"

namespace {

struct NeighbourOptions {
  int threads = 2;  // two bursty threads on a 2-core runner: at times both cores are taken
  int burst_min_ms = 50;
  int burst_max_ms = 500;  // bursts of 50-500 ms: shorter than a benchmark, longer than a repetition
  int pause_min_ms = 50;
  int pause_max_ms = 500;
  int memory_mb = 64;  // per thread; far beyond the last-level cache, so every walk step misses
  double seconds = 0;  // 0: until a signal
  uint64_t seed = 1;
};

std::atomic<bool> stop{false};
std::atomic<uint64_t> busy_ms{0};

void OnSignal(int) { stop.store(true); }

using Clock = std::chrono::steady_clock;

// Runs memory-heavy work until `until`: a dependent random walk over `array` (each step a cache
// miss) interleaved with allocation churn of 4 KiB-1 MiB blocks that are touched and freed.
uint64_t Burst(std::vector<uint32_t>& array, chinook::trials::Rng& rng, Clock::time_point until) {
  uint64_t sum = 0;
  uint32_t at = static_cast<uint32_t>(rng.Below(array.size()));
  while (Clock::now() < until && !stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 20000; ++i) {
      at = array[at];
      sum += at;
    }
    std::vector<char*> blocks;
    for (int i = 0; i < 16; ++i) {
      const size_t size = 4096 + rng.Below(1 << 20);
      char* p = static_cast<char*>(std::malloc(size));
      if (p == nullptr) continue;
      for (size_t o = 0; o < size; o += 4096) p[o] = static_cast<char>(o);
      sum += static_cast<unsigned char>(p[size / 2]);
      blocks.push_back(p);
    }
    for (char* p : blocks) std::free(p);
  }
  return sum;
}

void Worker(const NeighbourOptions& o, int index) {
  chinook::trials::Rng rng(o.seed * 1000003 + static_cast<uint64_t>(index));
  // A random cyclic permutation (Sattolo), so that the walk visits the whole array.
  std::vector<uint32_t> array(static_cast<size_t>(o.memory_mb) * 1024 * 1024 / sizeof(uint32_t));
  for (size_t i = 0; i < array.size(); ++i) array[i] = static_cast<uint32_t>(i);
  for (size_t i = array.size() - 1; i > 0; --i) std::swap(array[i], array[rng.Below(i)]);
  auto between = [&rng](int lo, int hi) { return std::chrono::milliseconds(lo + static_cast<int>(rng.Below(hi - lo + 1))); };
  uint64_t sink = 0;
  while (!stop.load()) {
    const auto burst = between(o.burst_min_ms, o.burst_max_ms);
    sink += Burst(array, rng, Clock::now() + burst);
    busy_ms += static_cast<uint64_t>(burst.count());
    const auto pause_until = Clock::now() + between(o.pause_min_ms, o.pause_max_ms);
    while (!stop.load() && Clock::now() < pause_until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (sink == 42) std::fputc(' ', stderr);  // keeps the work observable
}

bool ParseInt(std::string_view s, int lo, int hi, int* out) {
  char* end = nullptr;
  const std::string copy(s);
  const long v = std::strtol(copy.c_str(), &end, 10);
  if (copy.empty() || *end != '\0' || v < lo || v > hi) return false;
  *out = static_cast<int>(v);
  return true;
}

bool ParseRange(std::string_view s, int* lo, int* hi) {
  const size_t colon = s.find(':');
  return colon != std::string_view::npos && ParseInt(s.substr(0, colon), 1, 60000, lo) &&
         ParseInt(s.substr(colon + 1), *lo, 60000, hi);
}

int Usage(const std::string& why) {
  std::fprintf(stderr,
               "chinook-trials-neighbour: %s\nusage: chinook-trials-neighbour [--threads N (1-64)] "
               "[--burst-ms MIN:MAX] [--pause-ms MIN:MAX] [--memory-mb MB (1-4096)] [--seconds S] [--seed N]\n",
               why.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  NeighbourOptions o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return Usage("missing value after " + std::string(flag));
    const std::string_view value = argv[++i];
    int seconds = 0;
    int seed = 0;
    bool ok = false;
    if (flag == "--threads") ok = ParseInt(value, 1, 64, &o.threads);
    else if (flag == "--burst-ms") ok = ParseRange(value, &o.burst_min_ms, &o.burst_max_ms);
    else if (flag == "--pause-ms") ok = ParseRange(value, &o.pause_min_ms, &o.pause_max_ms);
    else if (flag == "--memory-mb") ok = ParseInt(value, 1, 4096, &o.memory_mb);
    else if (flag == "--seconds") { ok = ParseInt(value, 1, 86400, &seconds); o.seconds = seconds; }
    else if (flag == "--seed") { ok = ParseInt(value, 0, 1 << 30, &seed); o.seed = static_cast<uint64_t>(seed); }
    else return Usage("unknown argument " + std::string(flag));
    if (!ok) return Usage("bad value \"" + std::string(value) + "\" for " + std::string(flag));
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < o.threads; ++t) workers.emplace_back(Worker, std::cref(o), t);
  while (!stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (o.seconds > 0 && Clock::now() - start > std::chrono::duration<double>(o.seconds)) stop.store(true);
  }
  for (std::thread& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::fprintf(stderr, "chinook-trials-neighbour: %d threads, %.0f s, busy %.0f%% of thread time\n", o.threads, elapsed,
               elapsed > 0 ? 100.0 * static_cast<double>(busy_ms.load()) / 1000 / (elapsed * o.threads) : 0.0);
  return 0;
}
