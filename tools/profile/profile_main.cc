// chinook-profile: where the time and the memory of the customer stack go, operation by operation.
//
//   chinook-profile [--iterations N] [--batch-size B] [--profile-dir DIR] [--json]
//                   [--serve PORT [--serve-linger SECONDS]] [--retry-for SECONDS]
//                   [--cleanup-timeout SECONDS]
//
// Against the real services (CHINOOK_PG_DSN, and CHINOOK_REDIS_NODES or CHINOOK_REDIS_URL), runs
// N iterations of each operation through the real CustomerService (optimized repository,
// connection pool, tiered cache) in a schema of its own, dropped at exit:
//   Create                  CustomerService::Create of one new customer
//   Batch Create            CustomerService::CreateBatch of B new customers
//   Query Single            GetByID of a customer from a hot set of 100 (a service's popular rows)
//   Query Batch             GetMany of B customers drawn from everything created
//   Protobuf Serialization  EncodeCustomer + DecodeCustomer of one customer
//   Memory Allocation       building B customers and a CustomerBatch of them, then freeing them
// and prints for each: wall time, ops/s, allocations and bytes allocated per op (jemalloc), the
// heap's change, SQL statements per op, the share of wall time spent waiting for a pooled
// connection and, for reads, the cache hit rate. A gperftools CPU profile of each operation goes
// to DIR/<op>.prof (google-pprof --text build/chinook-profile DIR/create.prof); with
// MALLOC_CONF=prof:true a jemalloc heap profile goes to DIR/<op>.heap (jeprof reads it).
// Then recommendations computed from those figures, each naming the operation and the number.
//
// --serve PORT serves the service's and the pool's Prometheus exposition on
// http://127.0.0.1:PORT/metrics while the run lasts (PORT 0: any free port, printed on stderr);
// --serve-linger keeps serving that many seconds after the run.
//
// Faults: a database call that fails with a transient error (Unavailable: the server restarts;
// DeadlineExceeded) is retried with backoff for up to --retry-for seconds (default 30) from its
// first failure (tools/common/fault_tolerance.h); a Create whose retry finds the row was committed
// by the attempt whose answer was lost counts as done. An iteration that fails otherwise is
// counted and the run goes on; one still failing after --retry-for stops the run, and the report
// of what was measured until then is printed all the same. Redis trouble never fails a call: it
// shows as Redis errors, reconnects and reads that bypassed L1, and a low hit rate in an operation
// where at least 10% of the calls met it is reported as Redis being unavailable, not as a cache too
// small. Every figure is in the text report, under "faults" in --json, and in /metrics
// (chinook_run_db_*, the service's chinook_customer_redis_* and the pool's chinook_pg_pool_*).
//
// Clean-up: the schema is dropped (and the run's Redis keys removed) before the report is printed,
// retrying while the server is away for up to --cleanup-timeout seconds (default 60). If it still
// cannot, stderr and the report's "cleanup" say exactly what was left and the command that drops
// it.
//
// Exit status: 0 after a complete run in which every operation succeeded (retries included);
// 3 after a complete run in which some operations failed (counted in the report); 1 when the run
// stopped early (a fault outlasted --retry-for, or a signal: a partial report is printed), could
// not start, or its clean-up left something behind (named on stderr); 2 on bad arguments.
#include <gperftools/profiler.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cache/redis_cache.h"
#include "common/json_writer.h"
#include "common/fault_tolerance.h"
#include "customer/customer_service.h"
#include "customer/service_metrics.h"
#include "memory/jemalloc_stats.h"
#include "metrics_server.h"
#include "pg/connection.h"
#include "pg/connection_pool.h"
#include "pg/pool_metrics.h"
#include "repository/customer_repository.h"
#include "serialization/customer_codec.h"
#include "testing/customer_corpus.h"
#include "testing/service_env.h"

extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace chinook::profile {
namespace {

using customer::Customer;
using Clock = std::chrono::steady_clock;

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;
constexpr int kExitFailedOperations = 3;

// Set by SIGINT / SIGTERM: the run stops after the current iteration and still drops its schema
// and its Redis keys.
volatile std::sig_atomic_t interrupted = 0;
extern "C" void OnInterrupt(int) { interrupted = 1; }

// Query Single reads from this many customers, as a service's popular rows: a cache that works
// should answer most of those reads.
constexpr size_t kHotSetSize = 100;

// Recommendation thresholds. Each is a level past which the figure is worth a look, not a law.
// Protobuf's arena-less parse of one customer with a few metadata entries makes about 10
// allocations; the service path adds the cache entry and the driver's buffers. Past 50 per
// customer something allocates per field or per row that could reuse a buffer.
constexpr double kMaxAllocsPerItem = 50;
// A customer is a few hundred bytes; 16 KiB allocated per customer means copies of copies.
constexpr double kMaxBytesPerItem = 16 * 1024;
// Waiting for a connection for more than 5% of the wall time: the pool is the bottleneck.
constexpr double kMaxPoolWaitShare = 0.05;
// A single-customer call needs one statement; a batch call a couple (COPY, or one ANY($1)
// SELECT), whatever its size. More suggests N+1 queries.
constexpr double kMaxQueriesPerSingleOp = 1.0;
constexpr double kMaxQueriesPerBatchOp = 2.0;
// The lab's victory condition: a cache hit rate of at least 80%.
constexpr double kMinCacheHitRate = 0.80;
// A low hit rate is Redis's absence, not the cache's size, when at least this share of the
// operation's calls met a failed Redis command or a bypassed L1. One slow command in a run
// (a 100 ms timeout on a loaded machine) stays below it and does not change the advice.
constexpr double kMinRedisTroubleShare = 0.10;

struct Flags {
  int iterations = 500;  // per operation; the default run takes a few seconds
  int batch_size = 20;
  std::string profile_dir = "build/profile";
  bool json = false;
  int serve_port = -1;  // -1: no server
  int serve_linger_seconds = 0;
  int retry_for_seconds = 30;        // see tools::RetryOptions::retry_for
  int cleanup_timeout_seconds = 60;  // see tools::CleanupOptions::timeout
};

void Usage() {
  std::fprintf(stderr,
               "usage: chinook-profile [--iterations N] [--batch-size B] [--profile-dir DIR] [--json]\n"
               "                       [--serve PORT [--serve-linger SECONDS]] [--retry-for SECONDS]\n"
               "                       [--cleanup-timeout SECONDS]\n"
               "  --iterations    iterations of each operation (default 500)\n"
               "  --batch-size    customers per Batch Create / Query Batch / Memory Allocation op (default 20)\n"
               "  --profile-dir   where CPU (and jemalloc heap) profiles go (default build/profile)\n"
               "  --json          a machine-readable report on stdout instead of the text one\n"
               "  --serve         serve Prometheus metrics on http://127.0.0.1:PORT/metrics during the run\n"
               "                  (0: any free port, printed on stderr)\n"
               "  --serve-linger  keep serving this many seconds after the run (default 0)\n"
               "  --retry-for     retry a database call failing transiently for this long before it fails (default 30)\n"
               "  --cleanup-timeout  keep trying to drop the run's schema this long (default 60)\n"
               "exit status: 0 complete, 3 complete with failed operations, 1 stopped early / not started /\n"
               "             clean-up incomplete, 2 bad arguments\n"
               "environment: CHINOOK_PG_DSN, and CHINOOK_REDIS_NODES or CHINOOK_REDIS_URL\n");
}

// Parses a whole decimal integer in [lo, hi].
std::optional<int> ParseInt(const char* text, int lo, int hi) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi) return std::nullopt;
  return static_cast<int>(v);
}

std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto int_value = [&](int lo, int hi) -> std::optional<int> {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "chinook-profile: %s needs a value\n", arg.c_str());
        return std::nullopt;
      }
      auto v = ParseInt(argv[++i], lo, hi);
      if (!v) std::fprintf(stderr, "chinook-profile: %s: '%s' is not an integer in [%d, %d]\n", arg.c_str(), argv[i], lo, hi);
      return v;
    };
    std::optional<int> v;
    if (arg == "--iterations") {
      if (!(v = int_value(1, 10'000'000))) return std::nullopt;
      f.iterations = *v;
    } else if (arg == "--batch-size") {
      if (!(v = int_value(1, 10'000))) return std::nullopt;
      f.batch_size = *v;
    } else if (arg == "--serve") {
      if (!(v = int_value(0, 65535))) return std::nullopt;
      f.serve_port = *v;
    } else if (arg == "--serve-linger") {
      if (!(v = int_value(0, 3600))) return std::nullopt;
      f.serve_linger_seconds = *v;
    } else if (arg == "--retry-for") {
      if (!(v = int_value(0, 3600))) return std::nullopt;
      f.retry_for_seconds = *v;
    } else if (arg == "--cleanup-timeout") {
      if (!(v = int_value(0, 3600))) return std::nullopt;
      f.cleanup_timeout_seconds = *v;
    } else if (arg == "--profile-dir") {
      if (i + 1 >= argc || argv[i + 1][0] == '\0') {
        std::fprintf(stderr, "chinook-profile: --profile-dir needs a directory\n");
        return std::nullopt;
      }
      f.profile_dir = argv[++i];
    } else if (arg == "--json") {
      f.json = true;
    } else if (arg == "--help" || arg == "-h") {
      Usage();
      std::exit(0);
    } else {
      std::fprintf(stderr, "chinook-profile: unknown argument '%s'\n", arg.c_str());
      return std::nullopt;
    }
  }
  if (f.serve_linger_seconds > 0 && f.serve_port < 0) {
    std::fprintf(stderr, "chinook-profile: --serve-linger needs --serve\n");
    return std::nullopt;
  }
  return f;
}

// jemalloc's heap profiling, active when the process started with MALLOC_CONF=prof:true (and
// jemalloc was built with profiling, as Debian's is).
bool HeapProfilingActive() {
  if (mallctl == nullptr) return false;
  bool active = false;
  size_t len = sizeof(active);
  return mallctl("opt.prof", &active, &len, nullptr, 0) == 0 && active;
}

Status DumpHeapProfile(const std::string& path) {
  const char* name = path.c_str();
  if (mallctl("prof.dump", nullptr, nullptr, &name, sizeof(name)) != 0) {
    return InternalError("jemalloc prof.dump to " + path + " failed");
  }
  return Status::Ok();
}

// What one operation measured.
struct OpResult {
  std::string name;
  std::string file_stem;  // profile file names
  int iterations = 0;     // planned
  int items_per_op = 1;   // customers each iteration handles
  bool is_read = false;
  bool uses_database = false;
  int done = 0;    // iterations run (succeeded or failed); < iterations when the run stopped
  int failed = 0;  // of which failed for good
  double wall_seconds = 0;
  double allocs_per_op = 0;
  double bytes_per_op = 0;
  int64_t heap_change_bytes = 0;
  double queries_per_op = 0;
  double pool_wait_share = 0;
  std::optional<double> cache_hit_rate = std::nullopt;  // reads only
  tools::FaultCounts faults = {};
  std::string first_failure = "";  // the first iteration's error that was not retried away
  std::string cpu_profile = "";    // "" when not written
  std::string heap_profile = "";
  double ops_per_sec() const { return wall_seconds > 0 ? done / wall_seconds : 0; }
  // Share of the iterations that met Redis trouble (a failed command or a bypassed L1), at most 1.
  double redis_trouble_share() const {
    if (done == 0) return 0;
    return std::min(1.0, static_cast<double>(std::max(faults.redis_errors, faults.l1_bypassed)) / done);
  }
  bool database_faults() const { return faults.db_failed_attempts > 0; }
};

struct Recommendation {
  std::string operation;
  std::string metric;
  double value = 0;
  double threshold = 0;
  std::string message;
};

// Everything the operations share.
struct Stack {
  std::shared_ptr<pg::ConnectionPool> pool;
  std::shared_ptr<repository::CustomerRepository> repository;
  std::shared_ptr<cache::RemoteCache> remote;
  std::unique_ptr<customer::CustomerService> service;
  std::string schema;
  uint64_t seed = 0;
  int64_t rows_written = 0;  // customers this run stored: what a left-over schema holds
};

class Profiler {
 public:
  Profiler(const Flags& flags, Stack* stack, tools::Retrier* retrier)
      : flags_(flags), stack_(stack), retrier_(retrier) {}

  // Runs `body(i, attempt)` for i in [0, iterations) through the retrier, measures it and appends
  // the result (partial when the run must stop) to `results`. Returns OK, or why the run stops: an
  // iteration still failing transiently after the retry limit, an interruption, or a tool error.
  Status Measure(OpResult op, const std::function<Status(int i, int attempt)>& body, std::vector<OpResult>* results) {
    const tools::FaultSnapshot f0 = Snapshot();
    const pg::PoolStats p0 = stack_->pool->Stats();
    auto heap0 = memory::ReadHeapStats();
    // Restarts jemalloc's sampling, so that this operation's heap profile holds what it left live
    // rather than everything since the process started.
    if (heap_profiles_ && mallctl("prof.reset", nullptr, nullptr, nullptr, 0) != 0) {
      return InternalError("jemalloc prof.reset failed");
    }
    if (!op.file_stem.empty() && cpu_profiles_) {
      op.cpu_profile = flags_.profile_dir + "/" + op.file_stem + ".prof";
      if (!ProfilerStart(op.cpu_profile.c_str())) {
        return InternalError("gperftools could not start the CPU profiler writing " + op.cpu_profile);
      }
    }
    Status stop;
    const memory::AllocationMeter meter;
    const auto t0 = Clock::now();
    for (int i = 0; i < op.iterations; ++i) {
      if (interrupted) {
        stop = UnavailableError("interrupted by a signal").Annotate(op.name + ", before iteration " + std::to_string(i));
        break;
      }
      const Status s = retrier_->Run([&](int attempt) { return body(i, attempt); });
      ++op.done;
      if (!s.ok()) {
        ++op.failed;
        if (op.first_failure.empty()) op.first_failure = "iteration " + std::to_string(i) + ": " + s.ToString();
        // Still transient after the retries (or interrupted): the server is gone for longer than
        // the retry limit, and every further iteration would wait as long. Stop here.
        if (tools::IsTransient(s)) {
          stop = s.Annotate(op.name + ", iteration " + std::to_string(i));
          break;
        }
      }
      Progress(op.name, i + 1, op.iterations);
    }
    op.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const memory::AllocationMeter::Delta d = meter.Take();
    if (!op.cpu_profile.empty()) ProfilerStop();
    EndProgress();
    auto heap1 = memory::ReadHeapStats();
    const tools::FaultSnapshot f1 = Snapshot();
    const customer::CustomerServiceStats& s0 = f0.service;
    const customer::CustomerServiceStats& s1 = f1.service;
    const pg::PoolStats p1 = stack_->pool->Stats();
    op.faults = tools::FaultsBetween(f0, f1);
    const double n = std::max(op.done, 1);
    op.allocs_per_op = static_cast<double>(d.allocations) / n;
    op.bytes_per_op = static_cast<double>(d.bytes_allocated) / n;
    if (heap0.ok() && heap1.ok()) {
      op.heap_change_bytes = static_cast<int64_t>(heap1->allocated) - static_cast<int64_t>(heap0->allocated);
    }
    op.queries_per_op = static_cast<double>(s1.repository_queries - s0.repository_queries) / n;
    if (op.wall_seconds > 0) {
      op.pool_wait_share = std::chrono::duration<double>(p1.wait_time - p0.wait_time).count() / op.wall_seconds;
    }
    if (op.is_read) {
      // Every id read ends as exactly one of: an L1 hit, an L2 hit, an L2 miss (then the
      // database). Counting lookups this way also covers reads that bypassed L1 while Redis was
      // away, which L1's own counters never see.
      const uint64_t hits = (s1.l1_hits - s0.l1_hits) + (s1.l2_hits - s0.l2_hits);
      const uint64_t lookups = hits + (s1.l2_misses - s0.l2_misses);
      if (lookups > 0) op.cache_hit_rate = static_cast<double>(hits) / static_cast<double>(lookups);
    }
    if (heap_profiles_) {
      op.heap_profile = flags_.profile_dir + "/" + op.file_stem + ".heap";
      if (Status s = DumpHeapProfile(op.heap_profile); !s.ok() && stop.ok()) stop = s;
    }
    results->push_back(std::move(op));
    return stop;
  }

  void set_cpu_profiles(bool on) { cpu_profiles_ = on; }
  void set_heap_profiles(bool on) { heap_profiles_ = on; }

 private:
  tools::FaultSnapshot Snapshot() const {
    return tools::TakeFaultSnapshot(*retrier_, *stack_->service, stack_->pool.get());
  }
  // A progress line on stderr, only for a person watching a terminal, at most ten times a second.
  void Progress(const std::string& name, int done, int total) {
    if (!tty_) return;
    const auto now = Clock::now();
    if (done != total && now - last_progress_ < std::chrono::milliseconds(100)) return;
    last_progress_ = now;
    std::fprintf(stderr, "\r%-24s %d/%d (%.0f%%)   ", name.c_str(), done, total, 100.0 * done / total);
  }
  void EndProgress() {
    if (tty_) std::fprintf(stderr, "\r%60s\r", "");
  }

  const Flags& flags_;
  Stack* stack_;
  tools::Retrier* retrier_;
  bool cpu_profiles_ = true;
  bool heap_profiles_ = false;
  const bool tty_ = isatty(STDERR_FILENO) != 0;
  Clock::time_point last_progress_{};
};

std::vector<Recommendation> Recommend(const std::vector<OpResult>& ops) {
  std::vector<Recommendation> out;
  char buf[768];
  for (const OpResult& op : ops) {
    if (op.done == 0) continue;
    if (op.database_faults() || op.failed > 0) {
      // Before anything else: an outage inside the timed loop explains its wall time and pool wait.
      std::snprintf(buf, sizeof(buf),
                    "%s: %lu database attempts failed during the run (%lu retried, %.1f s spent retrying), %d of %d "
                    "iterations failed for good: its wall time and pool wait include the outage, so they are not "
                    "judged; first error: %s",
                    op.name.c_str(), static_cast<unsigned long>(op.faults.db_failed_attempts),
                    static_cast<unsigned long>(op.faults.db_retries), op.faults.retry_seconds, op.failed, op.done,
                    op.first_failure.empty() ? "(retried away)" : op.first_failure.c_str());
      out.push_back({op.name, "database_faults", static_cast<double>(op.faults.db_failed_attempts), 0, buf});
    }
    const double allocs_per_item = op.allocs_per_op / op.items_per_op;
    if (allocs_per_item > kMaxAllocsPerItem) {
      std::snprintf(buf, sizeof(buf),
                    "%s: %.1f allocations per customer (%.1f per op), above %.0f: look for per-field copies "
                    "and buffers that could be reused (CPU profile: %s)",
                    op.name.c_str(), allocs_per_item, op.allocs_per_op, kMaxAllocsPerItem,
                    op.cpu_profile.empty() ? "not written" : op.cpu_profile.c_str());
      out.push_back({op.name, "allocs_per_customer", allocs_per_item, kMaxAllocsPerItem, buf});
    }
    const double bytes_per_item = op.bytes_per_op / op.items_per_op;
    if (bytes_per_item > kMaxBytesPerItem) {
      std::snprintf(buf, sizeof(buf),
                    "%s: %.0f bytes allocated per customer, above %.0f: a customer is a few hundred bytes, "
                    "so something copies it many times or reserves too much",
                    op.name.c_str(), bytes_per_item, kMaxBytesPerItem);
      out.push_back({op.name, "bytes_per_customer", bytes_per_item, kMaxBytesPerItem, buf});
    }
    if (op.uses_database && !op.database_faults() && op.pool_wait_share > kMaxPoolWaitShare) {
      std::snprintf(buf, sizeof(buf),
                    "%s: %.1f%% of the wall time waiting for a pooled connection, above %.0f%%: raise "
                    "PoolOptions::max_open or hold connections for less time",
                    op.name.c_str(), 100 * op.pool_wait_share, 100 * kMaxPoolWaitShare);
      out.push_back({op.name, "pool_wait_share", op.pool_wait_share, kMaxPoolWaitShare, buf});
    }
    const double max_queries = op.items_per_op > 1 ? kMaxQueriesPerBatchOp : kMaxQueriesPerSingleOp;
    if (op.queries_per_op > max_queries) {
      std::snprintf(buf, sizeof(buf),
                    "%s: %.2f SQL statements per op (%d customers each), above %.0f: statements per customer "
                    "instead of per call (N+1); batch them",
                    op.name.c_str(), op.queries_per_op, op.items_per_op, max_queries);
      out.push_back({op.name, "queries_per_op", op.queries_per_op, max_queries, buf});
    }
    if (op.cache_hit_rate && *op.cache_hit_rate < kMinCacheHitRate) {
      if (op.redis_trouble_share() >= kMinRedisTroubleShare) {
        // The misses are Redis's absence, not the cache's size: L1 is bypassed while the
        // invalidation subscription is down, and L2 cannot answer. Growing L1 would change nothing.
        std::snprintf(buf, sizeof(buf),
                      "%s: cache hit rate %.1f%%, below %.0f%%, because Redis was unavailable for %.0f%% of the "
                      "calls: %lu Redis commands failed and %lu reads bypassed L1 (its invalidations could not "
                      "arrive), so %.2f statements per op reached PostgreSQL; bring Redis back (CHINOOK_REDIS_URL / "
                      "CHINOOK_REDIS_NODES) before judging the L1 size or TTL",
                      op.name.c_str(), 100 * *op.cache_hit_rate, 100 * kMinCacheHitRate,
                      100 * op.redis_trouble_share(), static_cast<unsigned long>(op.faults.redis_errors),
                      static_cast<unsigned long>(op.faults.l1_bypassed), op.queries_per_op);
        out.push_back({op.name, "redis_unavailable", *op.cache_hit_rate, kMinCacheHitRate, buf});
      } else {
        std::snprintf(buf, sizeof(buf),
                      "%s: cache hit rate %.1f%%, below %.0f%%: %.2f statements per op reached PostgreSQL; "
                      "a larger L1 (TieredCacheOptions) or a longer TTL would keep more of the working set",
                      op.name.c_str(), 100 * *op.cache_hit_rate, 100 * kMinCacheHitRate, op.queries_per_op);
        out.push_back({op.name, "cache_hit_rate", *op.cache_hit_rate, kMinCacheHitRate, buf});
      }
    }
  }
  return out;
}

using tools::JsonNumber;

// What a left-over schema of the run holds, for the message that names it.
std::string SchemaContents(int64_t rows) { return std::to_string(rows) + " customers written by this run"; }

// What the whole run came to, besides the operations.
struct RunOutcome {
  bool completed = true;
  std::string stop_reason;  // "" when completed
  int failed_operations = 0;
  tools::FaultSnapshot faults;
  tools::CleanupReport cleanup;
};

std::string JsonReport(const Flags& flags, bool cpu, bool heap, const std::vector<OpResult>& ops,
                       const std::vector<Recommendation>& recs, const RunOutcome& outcome, int64_t rows) {
  std::string j = "{\n  \"iterations\": " + std::to_string(flags.iterations) +
                  ",\n  \"batch_size\": " + std::to_string(flags.batch_size) +
                  ",\n  \"jemalloc\": " + (memory::Available() ? "true" : "false") +
                  ",\n  \"cpu_profiles\": " + (cpu ? "true" : "false") +
                  ",\n  \"heap_profiles\": " + (heap ? "true" : "false") + ",\n  \"profile_dir\": ";
  AppendJsonString(flags.profile_dir, &j);
  j += ",\n  \"completed\": " + std::string(outcome.completed ? "true" : "false") + ",\n  \"stop_reason\": ";
  if (outcome.completed) j += "null"; else AppendJsonString(outcome.stop_reason, &j);
  j += ",\n  \"failed_operations\": " + std::to_string(outcome.failed_operations);
  j += ",\n  \"faults\": " + tools::FaultsJson(outcome.faults);
  j += ",\n  \"cleanup\": " + outcome.cleanup.Json(SchemaContents(rows));
  j += ",\n  \"operations\": [";
  for (size_t i = 0; i < ops.size(); ++i) {
    const OpResult& op = ops[i];
    j += i ? ",\n    {" : "\n    {";
    j += "\"name\": ";
    AppendJsonString(op.name, &j);
    j += ", \"iterations\": " + std::to_string(op.iterations) + ", \"done\": " + std::to_string(op.done) +
         ", \"failed\": " + std::to_string(op.failed) + ", \"customers_per_op\": " + std::to_string(op.items_per_op) +
         ", \"wall_seconds\": " + JsonNumber(op.wall_seconds) + ", \"ops_per_sec\": " + JsonNumber(op.ops_per_sec()) +
         ", \"allocs_per_op\": " + JsonNumber(op.allocs_per_op) + ", \"bytes_per_op\": " + JsonNumber(op.bytes_per_op) +
         ", \"heap_change_bytes\": " + std::to_string(op.heap_change_bytes) +
         ", \"queries_per_op\": " + JsonNumber(op.queries_per_op) + ", \"pool_wait_share\": " +
         JsonNumber(op.pool_wait_share) + ", \"cache_hit_rate\": " +
         (op.cache_hit_rate ? JsonNumber(*op.cache_hit_rate) : "null") +
         ", \"db_failed_attempts\": " + std::to_string(op.faults.db_failed_attempts) +
         ", \"db_retries\": " + std::to_string(op.faults.db_retries) +
         ", \"retry_seconds\": " + JsonNumber(op.faults.retry_seconds) +
         ", \"redis_errors\": " + std::to_string(op.faults.redis_errors) +
         ", \"l1_bypassed\": " + std::to_string(op.faults.l1_bypassed) + ", \"first_failure\": ";
    if (op.first_failure.empty()) j += "null"; else AppendJsonString(op.first_failure, &j);
    j += ", \"cpu_profile\": ";
    if (op.cpu_profile.empty()) j += "null"; else AppendJsonString(op.cpu_profile, &j);
    j += ", \"heap_profile\": ";
    if (op.heap_profile.empty()) j += "null"; else AppendJsonString(op.heap_profile, &j);
    j += "}";
  }
  j += "\n  ],\n  \"recommendations\": [";
  for (size_t i = 0; i < recs.size(); ++i) {
    j += i ? ",\n    {" : "\n    {";
    j += "\"operation\": ";
    AppendJsonString(recs[i].operation, &j);
    j += ", \"metric\": ";
    AppendJsonString(recs[i].metric, &j);
    j += ", \"value\": " + JsonNumber(recs[i].value) + ", \"threshold\": " + JsonNumber(recs[i].threshold) +
         ", \"message\": ";
    AppendJsonString(recs[i].message, &j);
    j += "}";
  }
  j += recs.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return j;
}

void PrintText(bool cpu, bool heap, const Flags& flags, const std::vector<OpResult>& ops,
               const std::vector<Recommendation>& recs, const RunOutcome& outcome, int64_t rows) {
  std::printf("chinook-profile: %d iterations per operation, batches of %d customers\n", flags.iterations,
              flags.batch_size);
  std::printf("jemalloc counters: %s; CPU profiles: %s; jemalloc heap profiles: %s\n",
              memory::Available() ? "on" : "off (not running on jemalloc: allocation figures are 0)",
              cpu ? ("on, in " + flags.profile_dir).c_str() : "off",
              heap ? "on (MALLOC_CONF=prof:true)" : "off (run with MALLOC_CONF=prof:true to write them)");
  if (!outcome.completed) {
    std::printf("STOPPED EARLY: %s\n(the figures below cover the iterations done until then)\n",
                outcome.stop_reason.c_str());
  }
  std::printf("\n%-24s %10s %12s %12s %12s %12s %9s %9s %9s %8s %8s\n", "operation", "wall s", "ops/s", "allocs/op",
              "bytes/op", "heap change", "sql/op", "pool wait", "hit rate", "failed", "retries");
  for (const OpResult& op : ops) {
    char hit[16] = "-";
    if (op.cache_hit_rate) std::snprintf(hit, sizeof(hit), "%.1f%%", 100 * *op.cache_hit_rate);
    std::printf("%-24s %10.3f %12.0f %12.1f %12.0f %12lld %9.2f %8.1f%% %9s %8d %8lu\n", op.name.c_str(),
                op.wall_seconds, op.ops_per_sec(), op.allocs_per_op, op.bytes_per_op,
                static_cast<long long>(op.heap_change_bytes), op.queries_per_op, 100 * op.pool_wait_share, hit,
                op.failed, static_cast<unsigned long>(op.faults.db_retries));
  }
  std::printf("\n");
  tools::PrintFaultsText(outcome.faults, stdout);
  const std::vector<std::string> left = outcome.cleanup.Leftovers(testing::kPgDsnVar, SchemaContents(rows));
  if (left.empty()) {
    std::printf("cleanup: schema %s dropped, %lu Redis keys removed (%.2f s)\n", outcome.cleanup.schema.c_str(),
                static_cast<unsigned long>(outcome.cleanup.redis_keys), outcome.cleanup.seconds);
  } else {
    std::printf("cleanup: %s\n", outcome.cleanup.clean() ? "schema dropped; Redis keys not removed" : "INCOMPLETE");
    for (const std::string& line : left) std::printf("  %s\n", line.c_str());
  }
  if (cpu || heap) {
    std::printf("\nprofiles:\n");
    for (const OpResult& op : ops) {
      if (!op.cpu_profile.empty()) std::printf("  google-pprof --text <chinook-profile> %s\n", op.cpu_profile.c_str());
      if (!op.heap_profile.empty()) std::printf("  jeprof --text <chinook-profile> %s\n", op.heap_profile.c_str());
    }
  }
  std::printf("\nrecommendations:\n");
  if (recs.empty()) {
    std::printf("  none: every figure is within its threshold (allocations <= %.0f and bytes <= %.0f per customer, "
                "pool wait <= %.0f%%, statements per op <= %.0f single / %.0f batch, hit rate >= %.0f%%)\n",
                kMaxAllocsPerItem, kMaxBytesPerItem, 100 * kMaxPoolWaitShare, kMaxQueriesPerSingleOp,
                kMaxQueriesPerBatchOp, 100 * kMinCacheHitRate);
  }
  for (const Recommendation& r : recs) std::printf("  - %s\n", r.message.c_str());
}

// The run's Redis keys: every customer it created is "cust-<seed>-<n>".
std::vector<std::string> RedisPatterns(const Stack& stack) {
  return {cache::CustomerCacheKey("cust-" + std::to_string(stack.seed) + "-*")};
}

// Drops the run's schema and Redis keys; prints what is left on stderr when it cannot.
tools::CleanupReport Cleanup(const std::string& dsn, const Flags& flags, const Stack& stack) {
  tools::CleanupOptions options;
  options.timeout = std::chrono::seconds(flags.cleanup_timeout_seconds);
  options.redis_timeout = std::min(options.redis_timeout, options.timeout);
  tools::CleanupReport report = tools::CleanUp(dsn, stack.schema, stack.remote.get(), RedisPatterns(stack), options);
  for (const std::string& line : report.Leftovers(testing::kPgDsnVar, SchemaContents(stack.rows_written))) {
    std::fprintf(stderr, "chinook-profile: %s\n", line.c_str());
  }
  return report;
}

int Run(const Flags& flags) {
  const auto fail = [](const Status& s) {
    std::fprintf(stderr, "chinook-profile: %s\n", s.ToString().c_str());
    return kExitError;
  };
  const std::string dsn = testing::EnvOrEmpty(testing::kPgDsnVar);
  if (dsn.empty()) {
    std::fprintf(stderr, "chinook-profile: %s is not set: point it at PostgreSQL (ci/services.sh env prints it)\n",
                 testing::kPgDsnVar);
    return kExitError;
  }
  std::string redis_urls = testing::EnvOrEmpty(testing::kRedisNodesVar);
  if (redis_urls.empty()) redis_urls = testing::EnvOrEmpty(testing::kRedisUrlVar);
  if (redis_urls.empty()) {
    std::fprintf(stderr, "chinook-profile: neither %s nor %s is set: point one at Redis (ci/services.sh env prints them)\n",
                 testing::kRedisNodesVar, testing::kRedisUrlVar);
    return kExitError;
  }

  std::error_code ec;
  std::filesystem::create_directories(flags.profile_dir, ec);
  if (ec) return fail(InternalError("cannot create --profile-dir " + flags.profile_dir + ": " + ec.message()));

  Stack stack;
  stack.seed = 7'000'000'000ULL + static_cast<uint64_t>(getpid());
  stack.schema = "chinook_profile_" + std::to_string(getpid());
  // Connections fail within 2 s rather than the pool's 5 s default, so that a server that is
  // away is retried often and noticed back soon.
  auto pool = pg::ConnectionPool::Create({.dsn = dsn, .max_open = 4, .connect_timeout = std::chrono::seconds(2)});
  if (!pool.ok()) return fail(pool.status().Annotate("connection pool"));
  stack.pool = *pool;
  auto remote = cache::NewRemoteCacheFromUrls(redis_urls);
  if (!remote.ok()) return fail(remote.status().Annotate("Redis"));
  stack.remote = std::move(*remote);
  // From here on the schema may exist: every way out drops it (the explicit clean-up below
  // disarms this one after the run).
  struct CleanupAtExit {
    std::function<void()> f;
    ~CleanupAtExit() {
      if (f) f();
    }
  } cleanup_at_exit{[&] {
    // A pool that never connected created nothing: there is no schema to wait for.
    if (stack.pool->Stats().connects > 0) (void)Cleanup(dsn, flags, stack);
  }};
  auto repo = repository::NewOptimizedRepository(stack.pool, {.schema = stack.schema});
  if (!repo.ok()) return fail(repo.status().Annotate("repository on " + std::string(testing::kPgDsnVar)));
  stack.repository = std::move(*repo);
  stack.service = std::make_unique<customer::CustomerService>(stack.repository, stack.remote);
  if (!stack.service->WaitUntilCoherent(Clock::now() + std::chrono::seconds(5))) {
    // The service works without Redis (reads from PostgreSQL, L1 bypassed); the run goes on and
    // the report says the cache figures are Redis's absence.
    std::fprintf(stderr,
                 "chinook-profile: warning: the cache's invalidation subscription did not connect to Redis within 5 s "
                 "(%s); L1 is bypassed and the hit rates will show Redis as unavailable\n",
                 stack.service->Stats().cache.listener.last_error.c_str());
  }

  tools::Retrier retrier({.retry_for = std::chrono::seconds(flags.retry_for_seconds),
                          .cancelled = [] { return interrupted != 0; }});
  std::unique_ptr<MetricsServer> server;
  if (flags.serve_port >= 0) {
    auto started = MetricsServer::Start(static_cast<uint16_t>(flags.serve_port), [&stack, &retrier] {
      metrics::PrometheusWriter writer;
      customer::WriteServiceMetrics(*stack.service, &writer);
      pg::WritePoolMetrics(*stack.pool, &writer);
      tools::WriteRetryMetrics(retrier.Stats(), &writer);
      return writer.Take();
    });
    if (!started.ok()) return fail(started.status());
    server = std::move(*started);
    std::fprintf(stderr, "chinook-profile: serving metrics on http://127.0.0.1:%u/metrics\n", server->port());
  }

  const bool heap = HeapProfilingActive();
  Profiler profiler(flags, &stack, &retrier);
  profiler.set_heap_profiles(heap);
  const int n = flags.iterations;
  const int b = flags.batch_size;
  testing::CustomerGenerator generator({.seed = stack.seed});
  // Inputs are made before each timed loop, so the loop measures the service and not the corpus.
  const auto make = [&generator](size_t count) {
    std::vector<Customer> v;
    v.reserve(count);
    for (size_t i = 0; i < count; ++i) v.push_back(generator.Next());
    return v;
  };
  // A write retried after its reply was lost may find that the first attempt committed.
  const auto committed_earlier = [](Status s, int attempt) {
    return attempt > 0 && s.code() == StatusCode::kAlreadyExists ? Status::Ok() : s;
  };
  std::vector<std::string> ids;  // customers known to be stored
  std::vector<OpResult> results;
  RunOutcome outcome;
  // Runs the operations in order until one says the run must stop.
  const auto run_all = [&]() -> Status {
    const std::vector<Customer> singles = make(n);
    CHINOOK_RETURN_IF_ERROR(profiler.Measure(
        {.name = "Create", .file_stem = "create", .iterations = n, .uses_database = true},
        [&](int i, int attempt) {
          CHINOOK_RETURN_IF_ERROR(committed_earlier(stack.service->Create(singles[i]), attempt));
          ids.push_back(singles[i].id());
          ++stack.rows_written;
          return Status::Ok();
        },
        &results));

    const std::vector<Customer> batched = make(static_cast<size_t>(n) * b);
    CHINOOK_RETURN_IF_ERROR(profiler.Measure(
        {.name = "Batch Create", .file_stem = "batch_create", .iterations = n, .items_per_op = b,
         .uses_database = true},
        [&](int i, int attempt) {
          const auto batch = std::span(batched).subspan(static_cast<size_t>(i) * b, b);
          CHINOOK_RETURN_IF_ERROR(committed_earlier(stack.service->CreateBatch(batch), attempt));
          for (const Customer& c : batch) ids.push_back(c.id());
          stack.rows_written += b;
          return Status::Ok();
        },
        &results));
    if (ids.empty()) return FailedPreconditionError("no customer could be stored, so there is nothing to read");

    const size_t hot = std::min(kHotSetSize, ids.size());
    std::vector<size_t> picks(static_cast<size_t>(n) * b);
    for (size_t& p : picks) p = generator.Uniform(ids.size());
    CHINOOK_RETURN_IF_ERROR(profiler.Measure(
        {.name = "Query Single", .file_stem = "query_single", .iterations = n, .is_read = true, .uses_database = true},
        [&](int i, int) -> Status {
          CHINOOK_ASSIGN_OR_RETURN(auto c, stack.service->GetByID(ids[picks[i] % hot]));
          return c != nullptr ? Status::Ok() : InternalError("a created customer was not found");
        },
        &results));

    std::vector<std::string> batch_ids(b);
    CHINOOK_RETURN_IF_ERROR(profiler.Measure(
        {.name = "Query Batch", .file_stem = "query_batch", .iterations = n, .items_per_op = b, .is_read = true,
         .uses_database = true},
        [&](int i, int) -> Status {
          for (int k = 0; k < b; ++k) batch_ids[k] = ids[picks[static_cast<size_t>(i) * b + k]];
          CHINOOK_ASSIGN_OR_RETURN(auto got, stack.service->GetMany(batch_ids));
          for (const auto& c : got) {
            if (c == nullptr) return InternalError("a created customer was not found");
          }
          return Status::Ok();
        },
        &results));

    std::string wire;
    Customer decoded;
    CHINOOK_RETURN_IF_ERROR(profiler.Measure(
        {.name = "Protobuf Serialization", .file_stem = "protobuf_serialization", .iterations = n},
        [&](int i, int) -> Status {
          wire.clear();
          serialization::EncodeCustomer(singles[i], &wire);
          return serialization::DecodeCustomer(wire, &decoded);
        },
        &results));

    return profiler.Measure(
        {.name = "Memory Allocation", .file_stem = "memory_allocation", .iterations = n, .items_per_op = b},
        [&](int i, int) -> Status {
          customer::v1::CustomerBatch batch;
          for (int k = 0; k < b; ++k) *batch.add_customers() = batched[static_cast<size_t>(i) * b + k];
          return batch.customers_size() == b ? Status::Ok() : InternalError("batch lost customers");
        },
        &results);
  };
  if (Status stop = run_all(); !stop.ok()) {
    outcome.completed = false;
    outcome.stop_reason = stop.ToString();
    std::fprintf(stderr, "chinook-profile: stopped early: %s\n", outcome.stop_reason.c_str());
  }
  for (const OpResult& op : results) outcome.failed_operations += op.failed;
  outcome.faults = tools::TakeFaultSnapshot(retrier, *stack.service, stack.pool.get());
  // Clean-up before the report, so that the report can say whether it worked.
  cleanup_at_exit.f = nullptr;
  outcome.cleanup = Cleanup(dsn, flags, stack);

  const std::vector<Recommendation> recs = Recommend(results);
  if (flags.json) {
    std::fputs(JsonReport(flags, true, heap, results, recs, outcome, stack.rows_written).c_str(), stdout);
  } else {
    PrintText(true, heap, flags, results, recs, outcome, stack.rows_written);
  }
  std::fflush(stdout);
  if (server != nullptr && flags.serve_linger_seconds > 0) {
    std::fprintf(stderr, "chinook-profile: serving metrics for %d s more\n", flags.serve_linger_seconds);
    const auto until = Clock::now() + std::chrono::seconds(flags.serve_linger_seconds);
    while (!interrupted && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!outcome.completed || !outcome.cleanup.clean()) return kExitError;
  return outcome.failed_operations > 0 ? kExitFailedOperations : 0;
}

}  // namespace
}  // namespace chinook::profile

int main(int argc, char** argv) {
  auto flags = chinook::profile::ParseFlags(argc, argv);
  if (!flags) {
    chinook::profile::Usage();
    return chinook::profile::kExitUsage;
  }
  std::signal(SIGINT, chinook::profile::OnInterrupt);
  std::signal(SIGTERM, chinook::profile::OnInterrupt);
  return chinook::profile::Run(*flags);
}
