// The customer service end to end: PostgreSQL behind Redis behind the in-process L1.
//
// Reads CHINOOK_PG_DSN and CHINOOK_REDIS_URL (ci/services.sh); reports an error naming the
// variable when one is unset.
#include <benchmark/benchmark.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "benchmark_memory.h"
#include "cache/redis_cache.h"
#include "customer/customer_service.h"
#include "pg/connection_pool.h"
#include "repository/customer_repository.h"
#include "workload/customer_corpus.h"
#include "workload/service_env.h"
#include "workload/traces.h"

namespace chinook::customer {
namespace {

using cache::CustomerCacheKey;
using cache::NewRedisCache;
using cache::ParseRedisUrl;
using cache::RemoteCache;
using workload::ZipfTrace;
using Customer = v1::Customer;

constexpr int kServiceCustomers = 20'000;

// GetByID with Zipf-distributed ids (s = 0.99) over 20,000 customers in PostgreSQL, an L1 of
// 2,000 entries (10%) and Redis behind it. Both tiers start cold; the first 30,000 requests of
// the sequence warm them (untimed), and every timed loop continues the same sequence where the
// previous one stopped, so the counters describe the steady state whatever the iteration count.
// The service is assembled and warmed once per process (as the soak's is), not once per run:
// Google Benchmark calls the function several times per repetition to size the run, and the
// warm-up costs as much as thousands of timed reads (minutes on a loaded machine). A newly loaded
// customer costs one extra L2 read: the L2 fill's own invalidation message comes back to this
// process and keeps the first L1 copy out (see TieredCache).
constexpr size_t kWarmUpRequests = 30'000;

struct ServiceEnv {
  std::vector<Customer> corpus;
  std::vector<uint64_t> ranks;  // the Zipf request sequence (indices into corpus)
  size_t next = 0;              // the next request of the sequence
  std::unique_ptr<CustomerService> service;
};

Result<std::unique_ptr<ServiceEnv>> AssembleWarmService() {
  const std::string dsn = workload::EnvOrEmpty(workload::kPgDsnVar);
  const std::string redis = workload::EnvOrEmpty(workload::kRedisUrlVar);
  if (dsn.empty()) return InvalidArgumentError(workload::MissingEnvMessage(workload::kPgDsnVar));
  if (redis.empty()) return InvalidArgumentError(workload::MissingEnvMessage(workload::kRedisUrlVar));
  CHINOOK_ASSIGN_OR_RETURN(auto pool, pg::ConnectionPool::Create({.dsn = dsn, .max_open = 4}));
  CHINOOK_ASSIGN_OR_RETURN(auto repo, repository::NewOptimizedRepository(pool, {.schema = "chinook_bench_service"}));
  std::shared_ptr<repository::CustomerRepository> repository = std::move(repo);
  auto env = std::make_unique<ServiceEnv>();
  env->corpus = workload::MakeCorpus(kServiceCustomers, {.seed = 4242});
  if (Status s = repository->CreateBatch(env->corpus); !s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
  CHINOOK_ASSIGN_OR_RETURN(auto endpoint, ParseRedisUrl(redis));
  std::shared_ptr<RemoteCache> remote = NewRedisCache(endpoint);
  (void)remote->DeleteMatching(CustomerCacheKey("cust-4242-*"));  // cold L2: no state from earlier runs
  CustomerServiceOptions options;
  options.cache.l1.max_entries = kServiceCustomers / 10;
  env->service = std::make_unique<CustomerService>(repository, remote, options);
  if (!env->service->WaitUntilCoherent(std::chrono::steady_clock::now() + std::chrono::seconds(5))) {
    return UnavailableError("the L1 invalidation subscription did not connect within 5 s");
  }
  env->ranks = ZipfTrace(kServiceCustomers, 1 << 20, 0.99, 42);
  for (; env->next < kWarmUpRequests; ++env->next) {
    auto c = env->service->GetByID(env->corpus[env->ranks[env->next]].id());
    if (!c.ok()) return c.status().Annotate("GetByID while warming up the service");
  }
  return env;
}

void BM_Service_GetByID_Zipf(benchmark::State& state) {
  static Result<std::unique_ptr<ServiceEnv>> warm = AssembleWarmService();
  if (!warm.ok()) return state.SkipWithError(warm.status().ToString().c_str());
  ServiceEnv& env = **warm;
  CustomerService& service = *env.service;
  size_t i = env.next;
  const CustomerServiceStats before = service.Stats();
  {
    // Whether a read finds its customer in L1 depends on when the listener thread delivered the
    // invalidations of the L2 fills, so the allocations per read vary: varying_* counters.
    memory::ScopedMemoryCounters mem(state, {.timing_dependent = true});
    for (auto _ : state) {
      auto c = service.GetByID(env.corpus[env.ranks[i]].id());
      if (!c.ok() || *c == nullptr) state.SkipWithError("GetByID failed or missed a stored customer");
      benchmark::DoNotOptimize(c);
      if (++i == env.ranks.size()) i = kWarmUpRequests;  // wrap into the steady state, not the cold start
    }
  }
  env.next = i;
  const CustomerServiceStats after = service.Stats();
  const auto delta = [](uint64_t a, uint64_t b) { return static_cast<double>(b - a); };
  const double l1_lookups = delta(before.l1_hits + before.l1_misses, after.l1_hits + after.l1_misses);
  const double l2_lookups = delta(before.l2_hits + before.l2_misses, after.l2_hits + after.l2_misses);
  state.counters["l1_hit_rate"] = l1_lookups == 0 ? 0 : delta(before.l1_hits, after.l1_hits) / l1_lookups;
  state.counters["l2_hit_rate"] = l2_lookups == 0 ? 0 : delta(before.l2_hits, after.l2_hits) / l2_lookups;
  state.counters["db_queries_per_op"] =
      delta(before.repository_queries, after.repository_queries) / static_cast<double>(state.iterations());
  state.counters["redis_errors"] = delta(before.redis_errors, after.redis_errors);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Service_GetByID_Zipf);

}  // namespace
}  // namespace chinook::customer
