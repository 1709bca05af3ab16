// chinook-profile: where the time and the memory of the customer stack go, operation by operation.
//
//   chinook-profile [--iterations N] [--batch-size B] [--profile-dir DIR] [--json]
//                   [--serve PORT [--serve-linger SECONDS]]
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
// Exit status: 0 after a complete run, 1 on an error or an interruption (message on stderr; the
// schema and Redis keys are removed either way), 2 on bad arguments.
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
#include "customer/customer_service.h"
#include "customer/service_metrics.h"
#include "memory/jemalloc_stats.h"
#include "metrics_server.h"
#include "pg/connection.h"
#include "pg/connection_pool.h"
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

struct Flags {
  int iterations = 500;  // per operation; the default run takes a few seconds
  int batch_size = 20;
  std::string profile_dir = "build/profile";
  bool json = false;
  int serve_port = -1;  // -1: no server
  int serve_linger_seconds = 0;
};

void Usage() {
  std::fprintf(stderr,
               "usage: chinook-profile [--iterations N] [--batch-size B] [--profile-dir DIR] [--json]\n"
               "                       [--serve PORT [--serve-linger SECONDS]]\n"
               "  --iterations    iterations of each operation (default 500)\n"
               "  --batch-size    customers per Batch Create / Query Batch / Memory Allocation op (default 20)\n"
               "  --profile-dir   where CPU (and jemalloc heap) profiles go (default build/profile)\n"
               "  --json          a machine-readable report on stdout instead of the text one\n"
               "  --serve         serve Prometheus metrics on http://127.0.0.1:PORT/metrics during the run\n"
               "                  (0: any free port, printed on stderr)\n"
               "  --serve-linger  keep serving this many seconds after the run (default 0)\n"
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
  int iterations = 0;
  int items_per_op = 1;  // customers each iteration handles
  bool is_read = false;
  bool uses_database = false;
  double wall_seconds = 0;
  double allocs_per_op = 0;
  double bytes_per_op = 0;
  int64_t heap_change_bytes = 0;
  double queries_per_op = 0;
  double pool_wait_share = 0;
  std::optional<double> cache_hit_rate = std::nullopt;  // reads only
  std::string cpu_profile = "";  // "" when not written
  std::string heap_profile = "";
  double ops_per_sec() const { return wall_seconds > 0 ? iterations / wall_seconds : 0; }
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
  std::unique_ptr<customer::CustomerService> service;
  std::string schema;
  uint64_t seed = 0;
};

class Profiler {
 public:
  Profiler(const Flags& flags, Stack* stack) : flags_(flags), stack_(stack) {}

  // Runs `body(i)` for i in [0, iterations) and measures it.
  Result<OpResult> Measure(OpResult op, const std::function<Status(int)>& body) {
    const customer::CustomerServiceStats s0 = stack_->service->Stats();
    const pg::PoolStats p0 = stack_->pool->stats();
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
    const memory::AllocationMeter meter;
    const auto t0 = Clock::now();
    for (int i = 0; i < op.iterations; ++i) {
      Status s = interrupted ? UnavailableError("interrupted by a signal") : body(i);
      if (!s.ok()) {
        if (!op.cpu_profile.empty()) ProfilerStop();
        return s.Annotate(op.name + ", iteration " + std::to_string(i));
      }
      Progress(op.name, i + 1, op.iterations);
    }
    op.wall_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const memory::AllocationMeter::Delta d = meter.Take();
    if (!op.cpu_profile.empty()) ProfilerStop();
    EndProgress();
    auto heap1 = memory::ReadHeapStats();
    const customer::CustomerServiceStats s1 = stack_->service->Stats();
    const pg::PoolStats p1 = stack_->pool->stats();
    const double n = op.iterations;
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
      const uint64_t lookups = (s1.l1_hits + s1.l1_misses) - (s0.l1_hits + s0.l1_misses);
      const uint64_t hits = (s1.l1_hits - s0.l1_hits) + (s1.l2_hits - s0.l2_hits);
      if (lookups > 0) op.cache_hit_rate = static_cast<double>(hits) / static_cast<double>(lookups);
    }
    if (heap_profiles_) {
      op.heap_profile = flags_.profile_dir + "/" + op.file_stem + ".heap";
      CHINOOK_RETURN_IF_ERROR(DumpHeapProfile(op.heap_profile));
    }
    return op;
  }

  void set_cpu_profiles(bool on) { cpu_profiles_ = on; }
  void set_heap_profiles(bool on) { heap_profiles_ = on; }

 private:
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
  bool cpu_profiles_ = true;
  bool heap_profiles_ = false;
  const bool tty_ = isatty(STDERR_FILENO) != 0;
  Clock::time_point last_progress_{};
};

std::vector<Recommendation> Recommend(const std::vector<OpResult>& ops) {
  std::vector<Recommendation> out;
  char buf[512];
  for (const OpResult& op : ops) {
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
    if (op.uses_database && op.pool_wait_share > kMaxPoolWaitShare) {
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
      std::snprintf(buf, sizeof(buf),
                    "%s: cache hit rate %.1f%%, below %.0f%%: %.2f statements per op reached PostgreSQL; "
                    "a larger L1 (TieredCacheOptions) or a longer TTL would keep more of the working set",
                    op.name.c_str(), 100 * *op.cache_hit_rate, 100 * kMinCacheHitRate, op.queries_per_op);
      out.push_back({op.name, "cache_hit_rate", *op.cache_hit_rate, kMinCacheHitRate, buf});
    }
  }
  return out;
}

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"': *out += "\\\""; break;
      case '\\': *out += "\\\\"; break;
      case '\n': *out += "\\n"; break;
      case '\t': *out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof(esc), "\\u%04x", c);
          *out += esc;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::string Number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string JsonReport(const Flags& flags, bool cpu, bool heap, const std::vector<OpResult>& ops,
                       const std::vector<Recommendation>& recs) {
  std::string j = "{\n  \"iterations\": " + std::to_string(flags.iterations) +
                  ",\n  \"batch_size\": " + std::to_string(flags.batch_size) +
                  ",\n  \"jemalloc\": " + (memory::Available() ? "true" : "false") +
                  ",\n  \"cpu_profiles\": " + (cpu ? "true" : "false") +
                  ",\n  \"heap_profiles\": " + (heap ? "true" : "false") + ",\n  \"profile_dir\": ";
  AppendJsonString(flags.profile_dir, &j);
  j += ",\n  \"operations\": [";
  for (size_t i = 0; i < ops.size(); ++i) {
    const OpResult& op = ops[i];
    j += i ? ",\n    {" : "\n    {";
    j += "\"name\": ";
    AppendJsonString(op.name, &j);
    j += ", \"iterations\": " + std::to_string(op.iterations) + ", \"customers_per_op\": " +
         std::to_string(op.items_per_op) + ", \"wall_seconds\": " + Number(op.wall_seconds) +
         ", \"ops_per_sec\": " + Number(op.ops_per_sec()) + ", \"allocs_per_op\": " + Number(op.allocs_per_op) +
         ", \"bytes_per_op\": " + Number(op.bytes_per_op) +
         ", \"heap_change_bytes\": " + std::to_string(op.heap_change_bytes) +
         ", \"queries_per_op\": " + Number(op.queries_per_op) + ", \"pool_wait_share\": " +
         Number(op.pool_wait_share) + ", \"cache_hit_rate\": " +
         (op.cache_hit_rate ? Number(*op.cache_hit_rate) : "null") + ", \"cpu_profile\": ";
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
    j += ", \"value\": " + Number(recs[i].value) + ", \"threshold\": " + Number(recs[i].threshold) + ", \"message\": ";
    AppendJsonString(recs[i].message, &j);
    j += "}";
  }
  j += recs.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return j;
}

void PrintText(bool cpu, bool heap, const Flags& flags, const std::vector<OpResult>& ops,
               const std::vector<Recommendation>& recs) {
  std::printf("chinook-profile: %d iterations per operation, batches of %d customers\n", flags.iterations,
              flags.batch_size);
  std::printf("jemalloc counters: %s; CPU profiles: %s; jemalloc heap profiles: %s\n\n",
              memory::Available() ? "on" : "off (not running on jemalloc: allocation figures are 0)",
              cpu ? ("on, in " + flags.profile_dir).c_str() : "off",
              heap ? "on (MALLOC_CONF=prof:true)" : "off (run with MALLOC_CONF=prof:true to write them)");
  std::printf("%-24s %10s %12s %12s %12s %12s %9s %9s %9s\n", "operation", "wall s", "ops/s", "allocs/op",
              "bytes/op", "heap change", "sql/op", "pool wait", "hit rate");
  for (const OpResult& op : ops) {
    char hit[16] = "-";
    if (op.cache_hit_rate) std::snprintf(hit, sizeof(hit), "%.1f%%", 100 * *op.cache_hit_rate);
    std::printf("%-24s %10.3f %12.0f %12.1f %12.0f %12lld %9.2f %8.1f%% %9s\n", op.name.c_str(), op.wall_seconds,
                op.ops_per_sec(), op.allocs_per_op, op.bytes_per_op, static_cast<long long>(op.heap_change_bytes),
                op.queries_per_op, 100 * op.pool_wait_share, hit);
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

// Drops the run's schema (and its tables) and the run's Redis keys.
void Cleanup(const std::string& dsn, const Stack& stack, cache::RemoteCache* remote) {
  if (remote != nullptr) {
    (void)remote->DeleteMatching(cache::CustomerCacheKey("cust-" + std::to_string(stack.seed) + "-*"));
  }
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  auto conn = pg::Connection::Open(dsn, deadline);
  if (conn.ok()) (void)(*conn)->Exec("DROP SCHEMA IF EXISTS \"" + stack.schema + "\" CASCADE", deadline);
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
  auto pool = pg::ConnectionPool::Create({.dsn = dsn, .max_open = 4});
  if (!pool.ok()) return fail(pool.status().Annotate("connection pool"));
  stack.pool = *pool;
  auto repo = repository::NewOptimizedRepository(stack.pool, {.schema = stack.schema});
  if (!repo.ok()) return fail(repo.status().Annotate("repository on " + std::string(testing::kPgDsnVar)));
  stack.repository = std::move(*repo);
  auto remote = cache::NewRemoteCacheFromUrls(redis_urls);
  if (!remote.ok()) return fail(remote.status().Annotate("Redis"));
  std::shared_ptr<cache::RemoteCache> shared_remote = std::move(*remote);
  stack.service = std::make_unique<customer::CustomerService>(stack.repository, shared_remote);
  struct CleanupAtExit {
    std::function<void()> f;
    ~CleanupAtExit() { f(); }
  } cleanup{[&] { Cleanup(dsn, stack, shared_remote.get()); }};
  if (!stack.service->WaitUntilCoherent(Clock::now() + std::chrono::seconds(5))) {
    return fail(UnavailableError("the cache's invalidation subscription did not connect to Redis within 5 s"));
  }

  std::unique_ptr<MetricsServer> server;
  if (flags.serve_port >= 0) {
    auto started = MetricsServer::Start(static_cast<uint16_t>(flags.serve_port), [&stack] {
      return customer::ExportPrometheus(*stack.service, stack.pool.get());
    });
    if (!started.ok()) return fail(started.status());
    server = std::move(*started);
    std::fprintf(stderr, "chinook-profile: serving metrics on http://127.0.0.1:%u/metrics\n", server->port());
  }

  const bool heap = HeapProfilingActive();
  Profiler profiler(flags, &stack);
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
  std::vector<std::string> ids;
  std::vector<OpResult> results;
  const auto record = [&](Result<OpResult> r) -> Status {
    if (!r.ok()) return r.status();
    results.push_back(std::move(*r));
    return Status::Ok();
  };

  const std::vector<Customer> singles = make(n);
  Status status = record(profiler.Measure(
      {.name = "Create", .file_stem = "create", .iterations = n, .uses_database = true},
      [&](int i) { return stack.service->Create(singles[i]); }));
  if (!status.ok()) return fail(status);
  for (const Customer& c : singles) ids.push_back(c.id());

  const std::vector<Customer> batched = make(static_cast<size_t>(n) * b);
  status = record(profiler.Measure(
      {.name = "Batch Create", .file_stem = "batch_create", .iterations = n, .items_per_op = b,
       .uses_database = true},
      [&](int i) { return stack.service->CreateBatch(std::span(batched).subspan(static_cast<size_t>(i) * b, b)); }));
  if (!status.ok()) return fail(status);
  for (const Customer& c : batched) ids.push_back(c.id());

  const size_t hot = std::min(kHotSetSize, ids.size());
  std::vector<size_t> picks(static_cast<size_t>(n) * b);
  for (size_t& p : picks) p = generator.Uniform(ids.size());
  status = record(profiler.Measure(
      {.name = "Query Single", .file_stem = "query_single", .iterations = n, .is_read = true, .uses_database = true},
      [&](int i) -> Status {
        auto c = stack.service->GetByID(ids[picks[i] % hot]);
        if (!c.ok()) return c.status();
        return *c != nullptr ? Status::Ok() : InternalError("a created customer was not found");
      }));
  if (!status.ok()) return fail(status);

  std::vector<std::string> batch_ids(b);
  status = record(profiler.Measure(
      {.name = "Query Batch", .file_stem = "query_batch", .iterations = n, .items_per_op = b, .is_read = true,
       .uses_database = true},
      [&](int i) -> Status {
        for (int k = 0; k < b; ++k) batch_ids[k] = ids[picks[static_cast<size_t>(i) * b + k]];
        auto got = stack.service->GetMany(batch_ids);
        if (!got.ok()) return got.status();
        for (const auto& c : *got) {
          if (c == nullptr) return InternalError("a created customer was not found");
        }
        return Status::Ok();
      }));
  if (!status.ok()) return fail(status);

  std::string wire;
  Customer decoded;
  status = record(profiler.Measure(
      {.name = "Protobuf Serialization", .file_stem = "protobuf_serialization", .iterations = n},
      [&](int i) -> Status {
        wire.clear();
        serialization::EncodeCustomer(singles[i], &wire);
        return serialization::DecodeCustomer(wire, &decoded);
      }));
  if (!status.ok()) return fail(status);

  status = record(profiler.Measure(
      {.name = "Memory Allocation", .file_stem = "memory_allocation", .iterations = n, .items_per_op = b},
      [&](int i) -> Status {
        customer::v1::CustomerBatch batch;
        for (int k = 0; k < b; ++k) *batch.add_customers() = batched[static_cast<size_t>(i) * b + k];
        return batch.customers_size() == b ? Status::Ok() : InternalError("batch lost customers");
      }));
  if (!status.ok()) return fail(status);

  const std::vector<Recommendation> recs = Recommend(results);
  if (flags.json) {
    std::fputs(JsonReport(flags, true, heap, results, recs).c_str(), stdout);
  } else {
    PrintText(true, heap, flags, results, recs);
  }
  std::fflush(stdout);
  if (server != nullptr && flags.serve_linger_seconds > 0) {
    std::fprintf(stderr, "chinook-profile: serving metrics for %d s more\n", flags.serve_linger_seconds);
    const auto until = Clock::now() + std::chrono::seconds(flags.serve_linger_seconds);
    while (!interrupted && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
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
