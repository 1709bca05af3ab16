// chinook-profile: where the time and the memory of the customer stack go, operation by operation.
//
//   chinook-profile [--iterations N] [--batch-size B] [--profile-dir DIR] [--json]
//                   [--serve PORT [--serve-linger SECONDS]] [--retry-for SECONDS]
//                   [--cleanup-timeout SECONDS]
//
// Against the real services (CHINOOK_PG_DSN, and CHINOOK_REDIS_NODES or CHINOOK_REDIS_URL: one
// redis:// URL is one node, several the ketama ring, redis+cluster://h:p,... a Redis Cluster, as
// cache::NewRemoteCacheFromUrls reads them; CHINOOK_REDIS_NODES=$CHINOOK_REDIS_CLUSTER profiles
// the cluster), runs
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
//
// The parts: profiler.h runs the operations and collects their figures, recommendations.h turns
// the figures into advice, profile_report.h prints them; this file reads the flags, sets up the
// stack and cleans up.
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <chrono>
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
#include "common/fault_tolerance.h"
#include "common/flags.h"
#include "customer/customer_service.h"
#include "customer/service_metrics.h"
#include "metrics/metrics_server.h"
#include "pg/connection_pool.h"
#include "pg/pool_metrics.h"
#include "profile_report.h"
#include "profiler.h"
#include "recommendations.h"
#include "repository/customer_repository.h"
#include "workload/service_env.h"

namespace chinook::profile {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kExitError = 1;
constexpr int kExitFailedOperations = 3;

// Set by SIGINT / SIGTERM: the run stops after the current iteration and still drops its schema
// and its Redis keys.
volatile std::sig_atomic_t interrupted = 0;
extern "C" void OnInterrupt(int) { interrupted = 1; }

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

constexpr char kUsage[] =
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
    "environment: CHINOOK_PG_DSN, and CHINOOK_REDIS_NODES or CHINOOK_REDIS_URL\n"
    "             (a redis:// URL: one node; several, comma-separated: the ring;\n"
    "              redis+cluster://host:port,...: a Redis Cluster)\n";

// Reads the flags. nullopt: run; else the exit status, the usage or the error printed.
std::optional<int> ParseFlags(int argc, char** argv, Flags* f) {
  tools::FlagParser parser("chinook-profile", kUsage);
  parser.Integer("iterations", &f->iterations, 1, 10'000'000);
  parser.Integer("batch-size", &f->batch_size, 1, 10'000);
  parser.Integer("serve", &f->serve_port, 0, 65535);
  parser.Integer("serve-linger", &f->serve_linger_seconds, 0, 3600);
  parser.Integer("retry-for", &f->retry_for_seconds, 0, 3600);
  parser.Integer("cleanup-timeout", &f->cleanup_timeout_seconds, 0, 3600);
  parser.Custom("profile-dir", [f](const std::string& v) {
    if (v.empty()) return InvalidArgumentError("an empty directory name");
    f->profile_dir = v;
    return Status::Ok();
  });
  parser.Bool("json", &f->json);
  if (std::optional<int> exit = parser.Parse(argc, argv)) return exit;
  if (f->serve_linger_seconds > 0 && f->serve_port < 0) return parser.UsageError("--serve-linger needs --serve");
  return std::nullopt;
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
  for (const std::string& line : report.Leftovers(workload::kPgDsnVar, SchemaContents(stack.rows_written))) {
    std::fprintf(stderr, "chinook-profile: %s\n", line.c_str());
  }
  return report;
}

int Run(const Flags& flags) {
  const auto fail = [](const Status& s) {
    std::fprintf(stderr, "chinook-profile: %s\n", s.ToString().c_str());
    return kExitError;
  };
  const std::string dsn = workload::EnvOrEmpty(workload::kPgDsnVar);
  if (dsn.empty()) {
    std::fprintf(stderr, "chinook-profile: %s is not set: point it at PostgreSQL (ci/services.sh env prints it)\n",
                 workload::kPgDsnVar);
    return kExitError;
  }
  std::string redis_urls = workload::EnvOrEmpty(workload::kRedisNodesVar);
  if (redis_urls.empty()) redis_urls = workload::EnvOrEmpty(workload::kRedisUrlVar);
  if (redis_urls.empty()) {
    std::fprintf(stderr, "chinook-profile: neither %s nor %s is set: point one at Redis (ci/services.sh env prints them)\n",
                 workload::kRedisNodesVar, workload::kRedisUrlVar);
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
  if (!repo.ok()) return fail(repo.status().Annotate("repository on " + std::string(workload::kPgDsnVar)));
  stack.repository = std::move(*repo);
  stack.service = std::make_unique<customer::CustomerService>(stack.repository, stack.remote);
  if (!stack.service->WaitUntilCoherent(SteadyClock::now() + std::chrono::seconds(5))) {
    // The service works without Redis (reads from PostgreSQL, L1 bypassed); the run goes on and
    // the report says the cache figures are Redis's absence.
    std::fprintf(stderr,
                 "chinook-profile: warning: the cache's invalidation subscription did not connect to Redis within 5 s "
                 "(%s); L1 is bypassed and the hit rates will show Redis as unavailable\n",
                 stack.service->Stats().cache.listener.last_error.c_str());
  }

  tools::Retrier retrier({.retry_for = std::chrono::seconds(flags.retry_for_seconds),
                          .cancelled = [] { return interrupted != 0; }});
  std::unique_ptr<metrics::MetricsServer> server;
  if (flags.serve_port >= 0) {
    const auto fill = [&stack, &retrier](metrics::PrometheusWriter* writer) {
      customer::WriteServiceMetrics(*stack.service, writer);
      pg::WritePoolMetrics(*stack.pool, writer);
      tools::WriteRetryMetrics(retrier.Stats(), writer);
    };
    auto started = metrics::MetricsServer::Start(static_cast<uint16_t>(flags.serve_port), fill);
    if (!started.ok()) return fail(started.status());
    server = std::move(*started);
    std::fprintf(stderr, "chinook-profile: serving metrics on http://127.0.0.1:%u/metrics\n", server->port());
  }

  const bool heap = HeapProfilingActive();
  Profiler profiler(flags.profile_dir, &interrupted, &stack, &retrier);
  profiler.set_heap_profiles(heap);
  std::vector<OpResult> results;
  RunOutcome outcome;
  if (Status stop = profiler.RunOperations(flags.iterations, flags.batch_size, &results); !stop.ok()) {
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
  const RunSettings settings{.iterations = flags.iterations,
                             .batch_size = flags.batch_size,
                             .profile_dir = flags.profile_dir,
                             .cpu_profiles = true,
                             .heap_profiles = heap};
  if (flags.json) {
    std::fputs(JsonReport(settings, results, recs, outcome, stack.rows_written).c_str(), stdout);
  } else {
    PrintText(settings, results, recs, outcome, stack.rows_written);
  }
  std::fflush(stdout);
  if (server != nullptr && flags.serve_linger_seconds > 0) {
    std::fprintf(stderr, "chinook-profile: serving metrics for %d s more\n", flags.serve_linger_seconds);
    const auto until = SteadyClock::now() + std::chrono::seconds(flags.serve_linger_seconds);
    while (!interrupted && SteadyClock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!outcome.completed || !outcome.cleanup.clean()) return kExitError;
  return outcome.failed_operations > 0 ? kExitFailedOperations : 0;
}

}  // namespace
}  // namespace chinook::profile

int main(int argc, char** argv) {
  chinook::profile::Flags flags;
  if (std::optional<int> exit = chinook::profile::ParseFlags(argc, argv, &flags)) return *exit;
  std::signal(SIGINT, chinook::profile::OnInterrupt);
  std::signal(SIGTERM, chinook::profile::OnInterrupt);
  return chinook::profile::Run(flags);
}
