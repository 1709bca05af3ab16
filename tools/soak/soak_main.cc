// chinook-soak: the load run of issue 6. THREADS threads each run OPS mixed CustomerService
// operations (workload/service_mix.h) against the real PostgreSQL and Redis while a sampler
// reads the process's resident memory (/proc/self/statm) and jemalloc's live bytes. After the
// warm-up it fits a least-squares line to resident memory over operations and fails unless the
// slope is at most --max-rss-slope bytes per 1,000 operations.
//
//   chinook-soak [--threads 2] [--ops 1000000] [--seconds 0] [--warmup OPS] [--max-rss-slope BYTES]
//                [--interval-ms 100] [--schema NAME] [--json] [--serve PORT] [--retry-for 30]
//                [--cleanup-timeout 60]
//
// Why the default bound is 1,024 bytes per 1,000 operations (one byte per operation): the
// smallest allocation jemalloc makes is 8 bytes, so leaking even one small object per
// operation grows the heap by >= 8 KiB per 1,000 operations, 8x the bound; a flat process's
// slope is noise around zero (pages returned and taken back by jemalloc's decay), which the fit
// over hundreds of samples averages out. Over 2,000,000 operations the bound allows 2 MiB.
//
// The run's data: by default a schema of its own (chinook_soak_<pid>) holding the corpus,
// dropped at exit with its Redis keys, retrying while the server is away for up to
// --cleanup-timeout seconds; if it cannot, stderr and the report name what is left and the
// command that drops it. A schema named with --schema is the caller's and is kept.
//
// Faults: an operation failing with a transient error (Unavailable: PostgreSQL restarting;
// DeadlineExceeded) makes its thread back off and go on with the next operation, for up to
// --retry-for seconds of consecutive failures (tools/common/fault_tolerance.h); every failed
// operation is counted. A thread still failing after that stops the run (the report is printed
// all the same). Redis trouble never fails an operation; it shows as Redis errors, reconnects and
// reads that bypassed L1. All of it is in the report (text, or --json on stdout with the curve on
// stderr) and, with --serve PORT, on http://127.0.0.1:PORT/metrics while the run lasts.
//
// --seconds N ends the run after N seconds even if the operations are not all done (a drill's
// length); 0: no time limit. SIGINT / SIGTERM stop it early, cleaning up.
//
// Reads CHINOOK_PG_DSN and CHINOOK_REDIS_URL (ci/services.sh); the Redis tier is what that URL
// names (cache::NewRemoteCacheFromUrls): one node, a comma-separated ring, or redis+cluster://h:p,...
// (CHINOOK_REDIS_URL=$CHINOOK_REDIS_CLUSTER soaks the cluster). Exit status: 0 flat, every
// operation succeeded, nothing left behind; 1 not flat, an operation failed, the run stopped
// early, or its clean-up left something; 2 bad arguments or the service could not be assembled.
// Bad arguments are named with the usage, checked before any server is touched; --help
// prints the usage and the ranges.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cache/redis_cache.h"
#include "common/json_writer.h"
#include "common/fault_tolerance.h"
#include "common/flags.h"
#include "common/mutex.h"
#include "customer/service_metrics.h"
#include "memory/jemalloc_stats.h"
#include "metrics/metrics_server.h"
#include "pg/pool_metrics.h"
#include "repository/statements.h"
#include "workload/service_env.h"
#include "workload/service_mix.h"

namespace chinook::soak {

using workload::AssembledService;
using workload::AssembleOptions;
using workload::AssembleService;
using workload::LeastSquaresSlope;
using workload::ServiceMix;
using workload::ServiceMixOptions;

namespace {

volatile std::sig_atomic_t interrupted = 0;
extern "C" void OnInterrupt(int) { interrupted = 1; }

struct Flags {
  int threads = 2;
  uint64_t ops = 1'000'000;  // per thread
  int seconds = 0;           // 0: no time limit
  // Operations per thread before samples count: the L1 fills, Redis pages are cached and
  // jemalloc's thread caches grow within the first tens of thousands (see BM_Soak_ServiceMix's
  // 20,000). -1: 10% of --ops, at least 20,000 and at most half the run.
  int64_t warmup = -1;
  double max_rss_slope = 1024;  // bytes per 1,000 operations, see the file comment
  int interval_ms = 100;        // sampling period
  std::string schema = "";      // "": chinook_soak_<pid>, dropped at exit
  bool json = false;
  int serve_port = -1;  // -1: no metrics server
  int retry_for_seconds = 30;
  int cleanup_timeout_seconds = 60;
};

constexpr const char* kUsage =
    "usage: chinook-soak [--threads N] [--ops N] [--seconds N] [--warmup N] [--max-rss-slope BYTES]\n"
    "                    [--interval-ms N] [--schema NAME] [--json] [--serve PORT] [--retry-for SECONDS]\n"
    "                    [--cleanup-timeout SECONDS]\n"
    "  --threads N          worker threads, 1..64 (default 2)\n"
    "  --ops N              operations per thread, 1000..1000000000000 (default 1000000)\n"
    "  --seconds N          end the run after N seconds (default 0: no time limit)\n"
    "  --warmup N           operations per thread before samples count, below --ops (default: 10%)\n"
    "  --max-rss-slope B    bound on the resident-memory slope, bytes per 1,000 operations, finite (default 1024)\n"
    "  --interval-ms N      sampling period, 1..60000 (default 100)\n"
    "  --schema NAME        schema of the stored corpus, a plain lower-case identifier, kept (default: chinook_soak_<pid>, dropped)\n"
    "  --json               the report as JSON on stdout\n"
    "  --serve PORT         Prometheus metrics on http://127.0.0.1:PORT/metrics during the run\n"
    "  --retry-for S        seconds of consecutive transient failures a thread rides out, 0..3600 (default 30)\n"
    "  --cleanup-timeout S  seconds to keep retrying the clean-up, 0..3600 (default 60)\n";

// Upper ends of the ranges: ops x threads stays far inside 64 bits; a sample a minute is the
// coarsest that still draws a curve.
constexpr uint64_t kMaxOps = 1'000'000'000'000;
constexpr int kMaxIntervalMs = 60'000;

// Returns the exit status when the tool should not run (--help, a usage error), else nullopt.
std::optional<int> ParseFlags(int argc, char** argv, Flags* flags) {
  tools::FlagParser parser("chinook-soak", kUsage);
  parser.Integer("threads", &flags->threads, 1, 64);
  parser.Integer("ops", &flags->ops, 1'000, kMaxOps);
  parser.Integer("seconds", &flags->seconds, 0, std::numeric_limits<int>::max());
  parser.Integer<int64_t>("warmup", &flags->warmup, 0, static_cast<int64_t>(kMaxOps));
  parser.Number("max-rss-slope", &flags->max_rss_slope, {.min = 0});
  parser.Integer("interval-ms", &flags->interval_ms, 1, kMaxIntervalMs);
  parser.Custom("schema", [flags](const std::string& v) {
    flags->schema = v;
    return repository::ValidateSchemaName(v);
  });
  parser.Bool("json", &flags->json);
  parser.Integer("serve", &flags->serve_port, 0, 65535);
  parser.Integer("retry-for", &flags->retry_for_seconds, 0, 3600);
  parser.Integer("cleanup-timeout", &flags->cleanup_timeout_seconds, 0, 3600);
  if (std::optional<int> exit = parser.Parse(argc, argv)) return exit;
  if (flags->warmup < 0) {
    flags->warmup = static_cast<int64_t>(std::clamp<uint64_t>(flags->ops / 10, 20'000, flags->ops / 2));
  }
  if (static_cast<uint64_t>(flags->warmup) >= flags->ops) return parser.UsageError("--warmup must be smaller than --ops");
  return std::nullopt;
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

// The clean-up of what this run owns: its schema (unless the caller named it) and the Redis keys
// of the corpus and of the customers the mixes created.
tools::CleanupReport CleanUpRun(const Flags& flags, const std::string& dsn, const std::string& schema,
                                cache::RemoteCache* remote, const std::vector<std::string>& patterns,
                                std::string_view contents) {
  tools::CleanupOptions options;
  options.timeout = std::chrono::seconds(flags.cleanup_timeout_seconds);
  options.redis_timeout = std::min(options.redis_timeout, options.timeout);
  tools::CleanupReport report =
      tools::CleanUp(dsn, flags.schema.empty() ? schema : "", remote, patterns, options);
  for (const std::string& line : report.Leftovers(workload::kPgDsnVar, contents)) {
    std::fprintf(stderr, "chinook-soak: %s\n", line.c_str());
  }
  return report;
}

int Main(int argc, char** argv) {
  Flags flags;
  if (std::optional<int> exit = ParseFlags(argc, argv, &flags)) return *exit;
  for (const char* var : {workload::kPgDsnVar, workload::kRedisUrlVar}) {
    if (workload::EnvOrEmpty(var).empty()) {
      std::fprintf(stderr, "chinook-soak: %s\n", workload::MissingEnvMessage(var).c_str());
      return 2;
    }
  }
  std::signal(SIGINT, OnInterrupt);
  std::signal(SIGTERM, OnInterrupt);
  AssembleOptions options;
  options.pg_dsn = workload::EnvOrEmpty(workload::kPgDsnVar);
  options.redis_url = workload::EnvOrEmpty(workload::kRedisUrlVar);
  const bool own_schema = flags.schema.empty();
  options.schema = own_schema ? "chinook_soak_" + std::to_string(getpid()) : flags.schema;
  // A corpus of this run's own in its own schema: its cache keys are this run's to remove. A
  // named schema keeps the fixed corpus that earlier runs stored there.
  if (own_schema) options.corpus_seed = 5'150'000'000ULL + static_cast<uint64_t>(getpid());
  options.max_open = std::max(4, flags.threads * 2);
  // Fail a connection attempt within 2 s: while PostgreSQL restarts, threads notice it back soon.
  options.connect_timeout = std::chrono::seconds(2);
  std::vector<std::string> patterns = {cache::CustomerCacheKey("cust-" + std::to_string(options.corpus_seed) + "-*")};
  if (!own_schema) patterns.clear();  // the fixed corpus's keys may serve other runs
  auto assembled = AssembleService(options);
  if (!assembled.ok()) {
    std::fprintf(stderr, "chinook-soak: %s\n", assembled.status().ToString().c_str());
    // The schema may or may not exist (the failure may come before or after it was made): one
    // attempt to drop it, which names it when the server cannot be reached.
    Flags once = flags;
    once.cleanup_timeout_seconds = 0;
    auto remote = cache::NewRemoteCacheFromUrls(options.redis_url);
    const auto cache = remote.ok() ? std::move(*remote) : nullptr;
    (void)CleanUpRun(once, options.pg_dsn, options.schema, cache.get(), patterns,
                     "the soak corpus, if it was stored before the failure");
    return 2;
  }
  AssembledService& service = **assembled;
  const std::string contents =
      "the soak corpus of " + std::to_string(service.stored.size()) + " customers and the run's Creates";
  std::FILE* curve = flags.json ? stderr : stdout;
  std::fprintf(curve, "chinook-soak: %d threads x %lu operations (warm-up %ld each)%s, RSS slope bound %.0f B/kop\n",
               flags.threads, static_cast<unsigned long>(flags.ops), static_cast<long>(flags.warmup),
               flags.seconds > 0 ? (", at most " + std::to_string(flags.seconds) + " s").c_str() : "",
               flags.max_rss_slope);

  std::atomic<bool> halt{false};  // time limit, signal, or a thread that gave up
  // A halt also ends the retries under way: a run ends on time even while a server is away.
  tools::Retrier retrier({.retry_for = std::chrono::seconds(flags.retry_for_seconds),
                          .cancelled = [&halt] { return interrupted != 0 || halt.load(); }});
  std::unique_ptr<metrics::MetricsServer> server;
  if (flags.serve_port >= 0) {
    const auto fill = [&service, &retrier](metrics::PrometheusWriter* writer) {
      customer::WriteServiceMetrics(*service.service, writer);
      pg::WritePoolMetrics(*service.pool, writer);
      tools::WriteRetryMetrics(retrier.Stats(), writer);
    };
    auto started = metrics::MetricsServer::Start(static_cast<uint16_t>(flags.serve_port), fill);
    if (!started.ok()) {
      std::fprintf(stderr, "chinook-soak: %s\n", started.status().ToString().c_str());
      (void)CleanUpRun(flags, options.pg_dsn, options.schema, service.remote.get(), patterns, contents);
      return 2;
    }
    server = std::move(*started);
    std::fprintf(stderr, "chinook-soak: serving metrics on http://127.0.0.1:%u/metrics\n", server->port());
  }

  std::atomic<uint64_t> done{0};
  std::atomic<int> running{flags.threads};
  // Why the run stopped early ("" unless it did); the first reason wins.
  struct StopReason {
    Mutex mu;
    std::string text CHINOOK_GUARDED_BY(mu);
    void Set(std::string reason) CHINOOK_EXCLUDES(mu) {
      MutexLock lock(&mu);
      if (text.empty()) text = std::move(reason);
    }
    std::string Get() CHINOOK_EXCLUDES(mu) {
      MutexLock lock(&mu);
      return text;
    }
  } stop;
  // Built before and destroyed after the run, so that the last samples do not see their memory
  // (8 MiB of Zipf sequence each) come or go.
  std::vector<std::unique_ptr<ServiceMix>> mixes;
  for (int t = 0; t < flags.threads; ++t) {
    mixes.push_back(std::make_unique<ServiceMix>(service.service.get(), service.stored,
                                                 ServiceMixOptions{.seed = 100 + static_cast<uint64_t>(t)}));
    if (own_schema) {
      patterns.push_back(cache::CustomerCacheKey("cust-" + std::to_string(mixes.back()->create_seed()) + "-*"));
    }
  }
  std::vector<std::thread> workers;
  for (int t = 0; t < flags.threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t i = 0; i < flags.ops && !halt.load(std::memory_order_relaxed); ++i) {
        // A retry is the thread's next operation after a backoff: the mix is a stream of
        // independent calls, and what counts is that the stream goes on once the server is back.
        const Status s = retrier.Run([&](int) {
          auto step = mixes[t]->Step();
          done.fetch_add(1, std::memory_order_relaxed);
          return step.ok() ? Status::Ok() : step.status();
        });
        // Still failing after the retry limit: this thread gives up and the run stops (an
        // operation cut short by a halt is counted as failed, and the halt says why).
        if (!s.ok() && tools::IsTransient(s) && !halt.load()) {
          stop.Set("thread " + std::to_string(t) + ": " + s.ToString());
          halt = true;
        }
      }
      running.fetch_sub(1);
    });
  }

  const uint64_t total = flags.ops * flags.threads;
  const uint64_t warm = static_cast<uint64_t>(flags.warmup) * flags.threads;
  const auto start = std::chrono::steady_clock::now();
  std::vector<Sample> samples;
  uint64_t next_print = 0;
  bool time_up = false;
  std::fprintf(curve, "%10s %12s %10s %14s %10s\n", "seconds", "ops", "rss_MiB", "allocated_MiB", "ops/s");
  while (true) {
    const bool finished = running.load() == 0;
    auto heap = memory::ReadHeapStats();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    samples.push_back({seconds, done.load(), ResidentBytes(), heap.ok() ? heap->allocated : 0});
    const Sample& s = samples.back();
    if (s.ops >= next_print || finished) {  // the curve: a row per 5% of the run
      std::fprintf(curve, "%10.1f %12lu %10.2f %14.2f %10.0f%s\n", s.seconds, static_cast<unsigned long>(s.ops),
                   MiB(s.rss), MiB(s.allocated), s.seconds > 0 ? s.ops / s.seconds : 0,
                   s.ops < warm ? "  (warm-up)" : "");
      std::fflush(curve);
      next_print = s.ops + total / 20;
    }
    if (finished) break;
    if (flags.seconds > 0 && seconds >= flags.seconds && !halt) {
      time_up = true;
      halt = true;
    }
    if (interrupted && !halt) {
      stop.Set("interrupted by a signal");
      halt = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(flags.interval_ms));
  }
  for (auto& w : workers) w.join();
  server.reset();  // served while the run lasted

  std::vector<double> ops, rss, allocated;
  for (const Sample& s : samples) {
    if (s.ops < warm) continue;
    ops.push_back(static_cast<double>(s.ops));
    rss.push_back(static_cast<double>(s.rss));
    allocated.push_back(static_cast<double>(s.allocated));
  }
  const double rss_slope = LeastSquaresSlope(ops, rss) * 1000;
  const double allocated_slope = LeastSquaresSlope(ops, allocated) * 1000;
  const tools::FaultSnapshot faults = tools::TakeFaultSnapshot(retrier, *service.service, service.pool.get());
  const uint64_t failed = faults.retry.failed_operations;
  const tools::CleanupReport cleanup =
      CleanUpRun(flags, options.pg_dsn, options.schema, service.remote.get(), patterns, contents);
  const std::string stop_reason = stop.Get();
  const bool completed = stop_reason.empty();
  const bool enough_samples = ops.size() >= 3;
  const bool flat = enough_samples && rss_slope <= flags.max_rss_slope;
  const bool pass = completed && failed == 0 && flat && cleanup.clean();

  if (flags.json) {
    std::string j = "{\n  \"threads\": " + std::to_string(flags.threads) +
                    ",\n  \"ops_per_thread\": " + std::to_string(flags.ops) +
                    ",\n  \"seconds_limit\": " + std::to_string(flags.seconds) +
                    ",\n  \"ops_done\": " + std::to_string(done.load()) +
                    ",\n  \"wall_seconds\": " + tools::JsonNumber(samples.back().seconds) +
                    ",\n  \"completed\": " + (completed ? "true" : "false") + ",\n  \"ended_by_time_limit\": " +
                    (time_up ? "true" : "false") + ",\n  \"stop_reason\": ";
    if (completed) j += "null"; else AppendJsonString(stop_reason, &j);
    j += ",\n  \"failed_operations\": " + std::to_string(failed) +
         ",\n  \"samples_after_warmup\": " + std::to_string(ops.size()) +
         ",\n  \"rss_slope_bytes_per_kop\": " + tools::JsonNumber(rss_slope) +
         ",\n  \"allocated_slope_bytes_per_kop\": " + tools::JsonNumber(allocated_slope) +
         ",\n  \"max_rss_slope\": " + tools::JsonNumber(flags.max_rss_slope) +
         ",\n  \"flat\": " + (flat ? "true" : "false") + ",\n  \"faults\": " + tools::FaultsJson(faults) +
         ",\n  \"cleanup\": " + cleanup.Json(contents) + ",\n  \"pass\": " + (pass ? "true" : "false") + "\n}\n";
    std::fputs(j.c_str(), stdout);
  } else {
    std::printf("after warm-up: %zu samples; resident memory slope %.1f B/kop, jemalloc allocated slope %.1f B/kop\n",
                ops.size(), rss_slope, allocated_slope);
    tools::PrintFaultsText(faults, stdout);
    if (cleanup.clean()) {
      std::printf("cleanup: %s, %s (%.2f s)\n",
                  own_schema ? ("schema " + options.schema + " dropped").c_str() : "named schema kept",
                  cleanup.redis_keys_removed ? (std::to_string(cleanup.redis_keys) + " Redis keys removed").c_str()
                                             : "Redis keys not removed (see stderr)",
                  cleanup.seconds);
    } else {
      std::printf("cleanup: INCOMPLETE (see stderr)\n");
    }
    if (!completed) std::printf("FAIL: stopped early after %lu operations: %s\n",
                                static_cast<unsigned long>(done.load()), stop_reason.c_str());
    if (failed > 0) {
      std::printf("FAIL: %lu operations failed; first: %s\n", static_cast<unsigned long>(failed),
                  faults.retry.first_error.c_str());
    }
    if (!enough_samples) {
      std::printf("FAIL: only %zu samples after warm-up; lower --interval-ms or raise --ops\n", ops.size());
    } else if (!flat) {
      std::printf("FAIL: resident memory grows %.1f B per 1,000 operations (bound %.0f): not flat\n", rss_slope,
                  flags.max_rss_slope);
    } else if (pass) {
      std::printf("PASS: resident memory flat after warm-up (%.1f <= %.0f B/kop)\n", rss_slope, flags.max_rss_slope);
    }
  }
  std::fflush(stdout);
  return pass ? 0 : 1;
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
