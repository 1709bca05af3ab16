// chinook-soak: the load run of issue 6. THREADS threads each run OPS mixed CustomerService
// operations (tools/soak/service_mix.h) against the real PostgreSQL and Redis while a sampler
// reads the process's resident memory (/proc/self/statm) and jemalloc's live bytes. After the
// warm-up it fits a least-squares line to resident memory over operations and fails unless the
// slope is at most --max-rss-slope bytes per 1,000 operations.
//
//   chinook-soak [--threads 2] [--ops 1000000] [--warmup OPS] [--max-rss-slope BYTES]
//                [--interval-ms 100] [--schema chinook_soak]
//
// Why the default bound is 1,024 bytes per 1,000 operations (one byte per operation): the
// smallest allocation jemalloc makes is 8 bytes, so leaking even one small object per
// operation grows the heap by >= 8 KiB per 1,000 operations, 8x the bound; a flat process's
// slope is noise around zero (pages returned and taken back by jemalloc's decay), which the fit
// over hundreds of samples averages out. Over 2,000,000 operations the bound allows 2 MiB.
//
// Reads CHINOOK_PG_DSN and CHINOOK_REDIS_URL (ci/services.sh). Exit status: 0 flat, 1 not flat
// or an operation failed, 2 bad arguments (named, with the usage; checked before any server is
// touched) or the service could not be assembled. --help prints the usage and the ranges.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "memory/jemalloc_stats.h"
#include "repository/statements.h"
#include "soak/service_mix.h"
#include "testing/service_env.h"

namespace chinook::soak {
namespace {

struct Flags {
  int threads = 2;
  uint64_t ops = 1'000'000;  // per thread
  // Operations per thread before samples count: the L1 fills, Redis pages are cached and
  // jemalloc's thread caches grow within the first tens of thousands (see BM_Soak_ServiceMix's
  // 20,000). -1: 10% of --ops, at least 20,000 and at most half the run.
  int64_t warmup = -1;
  double max_rss_slope = 1024;  // bytes per 1,000 operations, see the file comment
  int interval_ms = 100;        // sampling period
  std::string schema = "chinook_soak";
};

constexpr const char* kUsage =
    "usage: chinook-soak [--threads N] [--ops N] [--warmup N] [--max-rss-slope BYTES] [--interval-ms N] "
    "[--schema NAME]\n"
    "  --threads N          worker threads, 1..64 (default 2)\n"
    "  --ops N              operations per thread, 1000..1000000000000 (default 1000000)\n"
    "  --warmup N           operations per thread before samples count, below --ops (default: 10%)\n"
    "  --max-rss-slope B    bound on the resident-memory slope, bytes per 1,000 operations, finite (default 1024)\n"
    "  --interval-ms N      sampling period, 1..60000 (default 100)\n"
    "  --schema NAME        schema of the stored corpus, a plain lower-case identifier (default chinook_soak)\n";

// Upper ends of the ranges: ops x threads stays far inside 64 bits; a sample a minute is the
// coarsest that still draws a curve.
constexpr uint64_t kMaxOps = 1'000'000'000'000;
constexpr int kMaxIntervalMs = 60'000;

template <typename T>
bool ParseNumber(std::string_view text, T* out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

// Returns an error message, or "" when the arguments are valid.
std::string ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    if (name == "--help" || name == "-h") return "help";
    if (name != "--threads" && name != "--ops" && name != "--warmup" && name != "--max-rss-slope" &&
        name != "--interval-ms" && name != "--schema") {
      return "unknown flag " + std::string(name);
    }
    // A value that starts with "--" is the next flag: this one's value is missing.
    if (i + 1 >= argc || std::string_view(argv[i + 1]).starts_with("--")) return std::string(name) + " needs a value";
    const std::string_view value = argv[++i];
    bool ok = true;
    if (name == "--threads") {
      ok = ParseNumber(value, &flags->threads) && flags->threads >= 1 && flags->threads <= 64;
    } else if (name == "--ops") {
      ok = ParseNumber(value, &flags->ops) && flags->ops >= 1'000 && flags->ops <= kMaxOps;
    } else if (name == "--warmup") {
      ok = ParseNumber(value, &flags->warmup) && flags->warmup >= 0;
    } else if (name == "--max-rss-slope") {
      ok = ParseNumber(value, &flags->max_rss_slope) && std::isfinite(flags->max_rss_slope) &&
           flags->max_rss_slope >= 0;
    } else if (name == "--interval-ms") {
      ok = ParseNumber(value, &flags->interval_ms) && flags->interval_ms >= 1 && flags->interval_ms <= kMaxIntervalMs;
    } else {  // --schema
      flags->schema = value;
      if (const Status s = repository::ValidateSchemaName(value); !s.ok()) return "--schema: " + s.message();
    }
    if (!ok) return "bad value '" + std::string(value) + "' for " + std::string(name);
  }
  if (flags->warmup < 0) {
    flags->warmup = static_cast<int64_t>(std::clamp<uint64_t>(flags->ops / 10, 20'000, flags->ops / 2));
  }
  if (static_cast<uint64_t>(flags->warmup) >= flags->ops) return "--warmup must be smaller than --ops";
  return "";
}

// Resident set size from /proc/self/statm (second field, in pages).
uint64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size_pages = 0, resident_pages = 0;
  statm >> size_pages >> resident_pages;
  return resident_pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

struct Sample {
  double seconds;
  uint64_t ops;
  uint64_t rss;
  uint64_t allocated;
};

double MiB(double bytes) { return bytes / (1024.0 * 1024.0); }

int Main(int argc, char** argv) {
  Flags flags;
  if (std::string error = ParseFlags(argc, argv, &flags); !error.empty()) {
    if (error == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "chinook-soak: %s\n%s", error.c_str(), kUsage);
    return 2;
  }
  AssembleOptions options;
  options.pg_dsn = testing::EnvOrEmpty(testing::kPgDsnVar);
  options.redis_url = testing::EnvOrEmpty(testing::kRedisUrlVar);
  for (const char* var : {testing::kPgDsnVar, testing::kRedisUrlVar}) {
    if (testing::EnvOrEmpty(var).empty()) {
      std::fprintf(stderr, "chinook-soak: %s\n", testing::MissingEnvMessage(var).c_str());
      return 2;
    }
  }
  options.schema = flags.schema;
  options.max_open = std::max(4, flags.threads * 2);
  auto assembled = AssembleService(options);
  if (!assembled.ok()) {
    std::fprintf(stderr, "chinook-soak: %s\n", assembled.status().ToString().c_str());
    return 2;
  }
  std::printf("chinook-soak: %d threads x %lu operations (warm-up %ld each), RSS slope bound %.0f B/kop\n",
              flags.threads, static_cast<unsigned long>(flags.ops), static_cast<long>(flags.warmup),
              flags.max_rss_slope);

  std::atomic<uint64_t> done{0};
  std::atomic<int> running{flags.threads};
  std::atomic<uint64_t> failures{0};
  std::mutex first_failure_mutex;
  std::string first_failure;  // GUARDED_BY(first_failure_mutex)
  // Built before and destroyed after the run, so that the last samples do not see their memory
  // (8 MiB of Zipf sequence each) come or go.
  std::vector<std::unique_ptr<ServiceMix>> mixes;
  for (int t = 0; t < flags.threads; ++t) {
    mixes.push_back(std::make_unique<ServiceMix>((*assembled)->service.get(), (*assembled)->stored,
                                                 ServiceMixOptions{.seed = 100 + static_cast<uint64_t>(t)}));
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < flags.threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t i = 0; i < flags.ops; ++i) {
        auto step = mixes[t]->Step();
        if (!step.ok() && failures.fetch_add(1) == 0) {
          std::lock_guard<std::mutex> lock(first_failure_mutex);
          first_failure = step.status().ToString();
        }
        done.fetch_add(1, std::memory_order_relaxed);
      }
      running.fetch_sub(1);
    });
  }

  const uint64_t total = flags.ops * flags.threads;
  const uint64_t warm = static_cast<uint64_t>(flags.warmup) * flags.threads;
  const auto start = std::chrono::steady_clock::now();
  std::vector<Sample> samples;
  uint64_t next_print = 0;
  std::printf("%10s %12s %10s %14s %10s\n", "seconds", "ops", "rss_MiB", "allocated_MiB", "ops/s");
  while (true) {
    const bool finished = running.load() == 0;
    auto heap = memory::ReadHeapStats();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    samples.push_back({seconds, done.load(), ResidentBytes(), heap.ok() ? heap->allocated : 0});
    const Sample& s = samples.back();
    if (s.ops >= next_print || finished) {  // the curve: a row per 5% of the run
      std::printf("%10.1f %12lu %10.2f %14.2f %10.0f%s\n", s.seconds, static_cast<unsigned long>(s.ops), MiB(s.rss),
                  MiB(s.allocated), s.seconds > 0 ? s.ops / s.seconds : 0, s.ops < warm ? "  (warm-up)" : "");
      std::fflush(stdout);
      next_print = s.ops + total / 20;
    }
    if (finished) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(flags.interval_ms));
  }
  for (auto& w : workers) w.join();

  std::vector<double> ops, rss, allocated;
  for (const Sample& s : samples) {
    if (s.ops < warm) continue;
    ops.push_back(static_cast<double>(s.ops));
    rss.push_back(static_cast<double>(s.rss));
    allocated.push_back(static_cast<double>(s.allocated));
  }
  const double rss_slope = LeastSquaresSlope(ops, rss) * 1000;
  const double allocated_slope = LeastSquaresSlope(ops, allocated) * 1000;
  std::printf("after warm-up: %zu samples; resident memory slope %.1f B/kop, jemalloc allocated slope %.1f B/kop\n",
              ops.size(), rss_slope, allocated_slope);
  int status = 0;
  if (failures.load() > 0) {
    std::printf("FAIL: %lu operations failed; first: %s\n", static_cast<unsigned long>(failures.load()),
                first_failure.c_str());
    status = 1;
  }
  if (ops.size() < 3) {
    std::printf("FAIL: only %zu samples after warm-up; lower --interval-ms or raise --ops\n", ops.size());
    status = 1;
  } else if (rss_slope > flags.max_rss_slope) {
    std::printf("FAIL: resident memory grows %.1f B per 1,000 operations (bound %.0f): not flat\n", rss_slope,
                flags.max_rss_slope);
    status = 1;
  } else if (status == 0) {
    std::printf("PASS: resident memory flat after warm-up (%.1f <= %.0f B/kop)\n", rss_slope, flags.max_rss_slope);
  }
  return status;
}

}  // namespace
}  // namespace chinook::soak

// The last resort: no failure (a thread that cannot start, memory) ends in std::terminate.
int main(int argc, char** argv) {
  try {
    return chinook::soak::Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chinook-soak: internal error: %s\n", e.what());
    return 2;
  }
}
