// The Retrier's decisions (pure logic: operations that fail a given number of times) and the
// clean-up against the real PostgreSQL (a schema dropped) and a closed port (what is left, named).
#include "common/fault_tolerance.h"

#include <gtest/gtest.h>

#include <atomic>

#include "pg/pg_test_util.h"
#include "testing/service_env.h"
#include "testing/status_matchers.h"
#include "testing/tcp_proxy.h"

namespace chinook::tools {
namespace {

using namespace std::chrono_literals;

RetryOptions Quick(std::chrono::milliseconds retry_for) {
  return {.retry_for = retry_for, .min_backoff = 1ms, .max_backoff = 4ms};
}

// Runs one operation under `retrier` that fails with `error` on every attempt; counts the
// attempts in *calls.
Status RunFailingEveryTime(Retrier& retrier, const Status& error, int* calls) {
  return retrier.Run([&](int) {
    ++*calls;
    return error;
  });
}

TEST(RetrierTest, TransientErrorsAreRetriedUntilSuccess) {
  Retrier retrier(Quick(10s));
  int calls = 0;
  const Status s = retrier.Run([&](int attempt) {
    EXPECT_EQ(attempt, calls);
    return ++calls < 4 ? UnavailableError("server restarting") : Status::Ok();
  });
  CHINOOK_EXPECT_OK(s);
  const RetryStats stats = retrier.Stats();
  EXPECT_EQ(stats.operations, 1u);
  EXPECT_EQ(stats.failed_attempts, 3u);
  EXPECT_EQ(stats.retries, 3u);
  EXPECT_EQ(stats.recovered, 1u);
  EXPECT_EQ(stats.failed_operations, 0u);
  EXPECT_GT(stats.longest_recovery_seconds, 0);
  EXPECT_NE(stats.first_error.find("server restarting"), std::string::npos);
}

TEST(RetrierTest, PermanentErrorsAreNotRetried) {
  Retrier retrier(Quick(10s));
  int calls = 0;
  const Status s = RunFailingEveryTime(retrier, NotFoundError("a created customer was not found"), &calls);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(calls, 1);
  const RetryStats stats = retrier.Stats();
  EXPECT_EQ(stats.failed_operations, 1u);
  EXPECT_EQ(stats.failed_attempts, 1u);
  EXPECT_EQ(stats.retries, 0u);
  EXPECT_EQ(stats.gave_up, 0u);
}

TEST(RetrierTest, GivesUpAfterTheRetryLimitAndSaysSo) {
  Retrier retrier(Quick(30ms));
  int calls = 0;
  const Status s = RunFailingEveryTime(retrier, DeadlineExceededError("query timed out"), &calls);
  EXPECT_EQ(s.code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(s.ToString().find("still failing after"), std::string::npos) << s.ToString();
  EXPECT_GT(calls, 1);
  const RetryStats stats = retrier.Stats();
  EXPECT_EQ(stats.gave_up, 1u);
  EXPECT_EQ(stats.failed_operations, 1u);
  EXPECT_EQ(stats.failed_attempts, static_cast<uint64_t>(calls));
  EXPECT_EQ(stats.recovered, 0u);
}

TEST(RetrierTest, CancellationEndsTheRetries) {
  std::atomic<bool> cancel{false};
  RetryOptions options = Quick(10s);
  options.cancelled = [&] { return cancel.load(); };
  Retrier retrier(options);
  int calls = 0;
  const Status s = retrier.Run([&](int) {
    if (++calls == 2) cancel = true;
    return UnavailableError("down");
  });
  EXPECT_EQ(calls, 2);
  EXPECT_NE(s.ToString().find("interrupted"), std::string::npos) << s.ToString();
  EXPECT_EQ(retrier.Stats().gave_up, 0u);
  EXPECT_EQ(retrier.Stats().failed_operations, 1u);
}

TEST(CleanUpTest, DropsTheSchemaOfARun) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  const std::string schema = pg::testing::UniqueSchema("cleanup");
  ASSERT_TRUE(pg::testing::AdminExec(dsn, "CREATE SCHEMA \"" + schema + "\"").ok());
  ASSERT_TRUE(pg::testing::AdminExec(dsn, "CREATE TABLE \"" + schema + "\".t (x int)").ok());
  const CleanupReport report = CleanUp(dsn, schema, nullptr, {});
  EXPECT_TRUE(report.clean()) << report.Json("");
  EXPECT_EQ(report.schema_attempts, 1);
  EXPECT_TRUE(report.Leftovers("CHINOOK_PG_DSN", "").empty());
  auto left = pg::testing::AdminExec(dsn, "SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'");
  CHINOOK_ASSERT_OK(left);
  EXPECT_EQ(*left, "0");
}

TEST(CleanUpTest, AServerThatStaysAwayGetsRetriedThenNamedWithTheCommandThatDrops) {
  const std::string dsn =
      "postgresql://postgres@127.0.0.1:" + std::to_string(::chinook::testing::ClosedPort()) + "/postgres";
  const CleanupReport report =
      CleanUp(dsn, "chinook_profile_42", nullptr, {}, {.timeout = 300ms, .min_backoff = 20ms, .max_backoff = 40ms});
  EXPECT_FALSE(report.clean());
  EXPECT_GT(report.schema_attempts, 1) << "a refused connection is transient: retried until the deadline";
  const std::vector<std::string> left = report.Leftovers("CHINOOK_PG_DSN", "942 customers written by this run");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_NE(left[0].find("left schema \"chinook_profile_42\" (942 customers"), std::string::npos) << left[0];
  EXPECT_NE(left[0].find("psql \"$CHINOOK_PG_DSN\" -c 'DROP SCHEMA IF EXISTS \"chinook_profile_42\" CASCADE'"),
            std::string::npos)
      << left[0];
  EXPECT_NE(report.Json("942 customers written by this run").find("\"clean\": false"), std::string::npos);
}

}  // namespace
}  // namespace chinook::tools
