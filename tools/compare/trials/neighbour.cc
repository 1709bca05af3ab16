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
// Prints "ready" on stdout once every thread has built its array; runs until SIGTERM or SIGINT
// (or --seconds), then prints what it did to stderr and exits 0.
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
std::atomic<int> ready{0};  // workers whose array is built
std::atomic<uint64_t> busy_us{0};

void OnSignal(int) { stop.store(true); }

using SteadyClock = std::chrono::steady_clock;

// Runs memory-heavy work until `until`: a dependent random walk over `array` (each step a cache
// miss) interleaved with allocation churn of 4 KiB-1 MiB blocks that are touched and freed.
uint64_t Burst(std::vector<uint32_t>& array, chinook::trials::Rng& rng, SteadyClock::time_point until) {
  uint64_t sum = 0;
  uint32_t at = static_cast<uint32_t>(rng.Below(array.size()));
  while (SteadyClock::now() < until && !stop.load(std::memory_order_relaxed)) {
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
  // One cycle through the whole array with a constant stride of about 0.62 of its length: a
  // power-of-two length and an odd stride visit every element, the stride crosses pages so no
  // prefetcher follows it, and building it is one sequential pass (a random permutation would
  // take seconds of cache misses before the first burst).
  size_t length = 1;
  while (length * 2 * sizeof(uint32_t) <= static_cast<size_t>(o.memory_mb) << 20) length *= 2;
  const size_t stride = static_cast<size_t>(static_cast<double>(length) * 0.618) | 1;
  std::vector<uint32_t> array(length);
  for (size_t i = 0; i < length; ++i) array[i] = static_cast<uint32_t>((i + stride) & (length - 1));
  ++ready;
  auto between = [&rng](int lo, int hi) { return std::chrono::milliseconds(lo + static_cast<int>(rng.Below(hi - lo + 1))); };
  uint64_t sink = 0;
  while (!stop.load()) {
    const auto burst_start = SteadyClock::now();
    sink += Burst(array, rng, burst_start + between(o.burst_min_ms, o.burst_max_ms));
    busy_us += static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - burst_start).count());
    const auto pause_until = SteadyClock::now() + between(o.pause_min_ms, o.pause_max_ms);
    while (!stop.load() && SteadyClock::now() < pause_until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
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
  const auto start = SteadyClock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < o.threads; ++t) workers.emplace_back(Worker, std::cref(o), t);
  bool announced = false;
  while (!stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!announced && ready.load() == o.threads) {
      // The caller may wait for this line, so that measurements start beside a working neighbour.
      std::printf("ready\n");
      std::fflush(stdout);
      announced = true;
    }
    if (o.seconds > 0 && SteadyClock::now() - start > std::chrono::duration<double>(o.seconds)) stop.store(true);
  }
  for (std::thread& w : workers) w.join();
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::fprintf(stderr, "chinook-trials-neighbour: %d threads, %.0f s, busy %.0f%% of thread time\n", o.threads, elapsed,
               elapsed > 0 ? 100.0 * static_cast<double>(busy_us.load()) / 1e6 / (elapsed * o.threads) : 0.0);
  return 0;
}
