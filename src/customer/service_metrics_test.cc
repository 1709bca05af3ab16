// The Prometheus exposition of CustomerService and its pool after real calls against PostgreSQL
// and Redis.
#include "customer/service_metrics.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <regex>
#include <string>

#include "repository/repository_test_env.h"
#include "testing/service_env.h"
#include "testing/status_matchers.h"
#include "workload/customer_corpus.h"

namespace chinook::customer {
namespace {

// The value of the sample line `series` (name with its labels, exactly as written), or -1.
double SampleValue(const std::string& text, const std::string& series) {
  const std::string prefix = "\n" + series + " ";
  const size_t at = ("\n" + text).find(prefix);
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + prefix.size() - 1));
}

TEST(ServiceMetricsTest, ExpositionCarriesCountersPoolAndLatencySummaries) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  CHINOOK_REQUIRE_ENV(redis_url, ::chinook::workload::kRedisUrlVar);
  auto pool = pg::ConnectionPool::Create({.dsn = dsn, .max_open = 2});
  CHINOOK_ASSERT_OK(pool);
  repository::testing::ScopedSchema schema(dsn, "svcmetrics");
  auto repo = repository::NewOptimizedRepository(*pool, {.schema = schema.name()});
  CHINOOK_ASSERT_OK(repo);
  auto endpoint = cache::ParseRedisUrl(redis_url);
  CHINOOK_ASSERT_OK(endpoint);
  CustomerService service(std::move(*repo), cache::NewRedisCache(*endpoint));
  // The invalidation subscription comes up on its own thread: wait for it, so that the flag the
  // exposition samples cannot flip between the export and the Stats() it is compared with.
  ASSERT_TRUE(service.WaitUntilCoherent(std::chrono::steady_clock::now() + std::chrono::seconds(10)));

  const uint64_t seed = 900000 + static_cast<uint64_t>(getpid());
  const auto customers = chinook::workload::MakeCorpus(3, {.seed = seed});
  ASSERT_TRUE(service.CreateBatch(customers).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(service.GetByID(customers[0].id()).ok());
  ASSERT_TRUE(service.GetByID("cust-nobody-" + std::to_string(seed)).ok());
  EXPECT_FALSE(service.GetByID("").ok());  // a failed call is timed too

  const std::string text = ExportPrometheus(service, pool->get());
  const CustomerServiceStats stats = service.Stats();
  EXPECT_NE(text.find("# TYPE chinook_customer_cache_hits_total counter"), std::string::npos) << text;
  EXPECT_EQ(SampleValue(text, "chinook_customer_cache_hits_total{tier=\"l1\"}"), static_cast<double>(stats.l1_hits));
  EXPECT_EQ(SampleValue(text, "chinook_customer_cache_misses_total{tier=\"l2\"}"),
            static_cast<double>(stats.l2_misses));
  EXPECT_GE(SampleValue(text, "chinook_customer_loader_calls_total"), 2);  // the first read and the absent id
  EXPECT_EQ(SampleValue(text, "chinook_customer_redis_errors_total"), 0);
  EXPECT_EQ(SampleValue(text, "chinook_customer_invalidation_errors_total"), 0);
  // With Redis up the whole time: no reconnects, L1 in use.
  EXPECT_EQ(SampleValue(text, "chinook_customer_redis_reconnects_total"), 0);
  EXPECT_EQ(SampleValue(text, "chinook_customer_invalidation_reconnects_total"), 0);
  EXPECT_EQ(SampleValue(text, "chinook_customer_l1_bypassed_total"), static_cast<double>(stats.cache.l1_bypassed));
  EXPECT_EQ(SampleValue(text, "chinook_customer_l1_coherent"), stats.l1_coherent ? 1 : 0);
  EXPECT_EQ(SampleValue(text, "chinook_repository_statements_total"), static_cast<double>(stats.repository_queries));
  EXPECT_GE(SampleValue(text, "chinook_customer_cache_hit_ratio{tier=\"l1\"}"), 0);

  EXPECT_NE(text.find("# TYPE chinook_customer_operation_duration_seconds summary"), std::string::npos);
  EXPECT_EQ(SampleValue(text, "chinook_customer_operation_duration_seconds_count{op=\"get_by_id\"}"), 5);
  EXPECT_EQ(SampleValue(text, "chinook_customer_operation_duration_seconds_count{op=\"create_batch\"}"), 1);
  EXPECT_EQ(SampleValue(text, "chinook_customer_operation_duration_seconds_count{op=\"delete\"}"), 0);
  EXPECT_TRUE(std::isnan(SampleValue(text, "chinook_customer_operation_duration_seconds{op=\"delete\",quantile=\"0.5\"}")));
  const double p50 = SampleValue(text, "chinook_customer_operation_duration_seconds{op=\"get_by_id\",quantile=\"0.5\"}");
  const double p99 = SampleValue(text, "chinook_customer_operation_duration_seconds{op=\"get_by_id\",quantile=\"0.99\"}");
  EXPECT_GT(p50, 0);
  EXPECT_GE(p99, p50);
  EXPECT_NE(text.find("chinook_customer_operation_duration_seconds{op=\"get_by_id\",quantile=\"0.9\"}"),
            std::string::npos);

  const pg::PoolStats ps = (*pool)->Stats();
  EXPECT_EQ(SampleValue(text, "chinook_pg_pool_open_connections"), ps.open);
  EXPECT_GE(SampleValue(text, "chinook_pg_pool_connects_total"), 1);
  EXPECT_EQ(SampleValue(text, "chinook_pg_pool_acquired_total"), static_cast<double>(ps.acquired));
  EXPECT_EQ(SampleValue(text, "chinook_pg_pool_max_open_connections"), 2);
  for (const char* family : {"chinook_pg_pool_idle_connections", "chinook_pg_pool_waits_total",
                             "chinook_pg_pool_wait_seconds_total", "chinook_pg_pool_acquire_timeouts_total",
                             "chinook_pg_pool_discarded_total"}) {
    EXPECT_GE(SampleValue(text, family), 0) << family;
  }
  // Every sample line is `name{labels} value` or `name value` (the format a scraper parses;
  // prometheus-cpp spells NaN "Nan", which Prometheus reads, its float parser ignoring case).
  // (names as Prometheus allows them: a letter or underscore, then letters, digits, underscores)
  const std::regex line(R"(^(#.*|[a-z_][a-z0-9_]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? ([-+0-9.e]+|Nan))$)");
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "exposition must end with a newline";
    const std::string l = text.substr(start, end - start);
    EXPECT_TRUE(std::regex_match(l, line)) << l;
    start = end + 1;
  }
  (void)cache::NewRedisCache(*endpoint)->DeleteMatching(
      cache::CustomerCacheKey("cust-" + std::to_string(seed) + "-*"));
}

}  // namespace
}  // namespace chinook::customer
