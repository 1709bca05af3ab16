// Tests of recommendations.h on hand-made figures: no server, no clock.
#include "recommendations.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chinook::profile {
namespace {

// An operation whose every figure is within its threshold.
OpResult Healthy(const std::string& name, int items_per_op = 1) {
  OpResult op;
  op.name = name;
  op.iterations = op.done = 100;
  op.items_per_op = items_per_op;
  op.uses_database = true;
  op.wall_seconds = 1;
  op.allocs_per_op = 10.0 * items_per_op;
  op.bytes_per_op = 1000.0 * items_per_op;
  op.queries_per_op = 1;
  op.pool_wait_share = 0.01;
  return op;
}

std::vector<std::string> Metrics(const std::vector<Recommendation>& recs) {
  std::vector<std::string> out;
  for (const Recommendation& r : recs) out.push_back(r.metric);
  return out;
}

TEST(RecommendTest, NoneWhenEveryFigureIsWithinItsThreshold) {
  OpResult read = Healthy("Query Single");
  read.is_read = true;
  read.cache_hit_rate = 0.95;
  EXPECT_TRUE(Recommend({Healthy("Create"), Healthy("Batch Create", 20), read}).empty());
}

TEST(RecommendTest, OperationsThatDidNothingAreNotJudged) {
  OpResult op = Healthy("Create");
  op.done = 0;
  op.allocs_per_op = 1e6;
  EXPECT_TRUE(Recommend({op}).empty());
}

TEST(RecommendTest, AllocationsAndBytesAreJudgedPerCustomer) {
  // 20 customers per op: 40 allocations and 8 KiB per customer are within the thresholds.
  OpResult batch = Healthy("Batch Create", 20);
  batch.allocs_per_op = 20 * 40;
  batch.bytes_per_op = 20 * 8 * 1024;
  EXPECT_TRUE(Recommend({batch}).empty());

  batch.allocs_per_op = 20 * (kMaxAllocsPerItem + 1);
  batch.bytes_per_op = 20 * (kMaxBytesPerItem + 1);
  batch.cpu_profile = "build/profile/batch_create.prof";
  const std::vector<Recommendation> recs = Recommend({batch});
  ASSERT_EQ(Metrics(recs), (std::vector<std::string>{"allocs_per_customer", "bytes_per_customer"}));
  EXPECT_EQ(recs[0].operation, "Batch Create");
  EXPECT_DOUBLE_EQ(recs[0].value, kMaxAllocsPerItem + 1);
  EXPECT_DOUBLE_EQ(recs[0].threshold, kMaxAllocsPerItem);
  EXPECT_NE(recs[0].message.find("build/profile/batch_create.prof"), std::string::npos) << recs[0].message;
  EXPECT_DOUBLE_EQ(recs[1].value, kMaxBytesPerItem + 1);
}

TEST(RecommendTest, StatementsPerOpAllowMoreForBatches) {
  OpResult single = Healthy("Query Single");
  single.queries_per_op = 2;  // N+1 for one customer
  OpResult batch = Healthy("Query Batch", 20);
  batch.queries_per_op = 2;  // COPY or one ANY($1) SELECT: fine
  const std::vector<Recommendation> recs = Recommend({single, batch});
  ASSERT_EQ(Metrics(recs), std::vector<std::string>{"queries_per_op"});
  EXPECT_EQ(recs[0].operation, "Query Single");
  EXPECT_DOUBLE_EQ(recs[0].threshold, kMaxQueriesPerSingleOp);

  batch.queries_per_op = 21;
  const std::vector<Recommendation> batch_recs = Recommend({batch});
  ASSERT_EQ(batch_recs.size(), 1u);
  EXPECT_DOUBLE_EQ(batch_recs[0].threshold, kMaxQueriesPerBatchOp);
}

TEST(RecommendTest, PoolWaitOnlyForDatabaseOperationsWithoutFaults) {
  OpResult op = Healthy("Create");
  op.pool_wait_share = 0.2;
  EXPECT_EQ(Metrics(Recommend({op})), std::vector<std::string>{"pool_wait_share"});
  OpResult codec = op;
  codec.uses_database = false;
  EXPECT_TRUE(Recommend({codec}).empty());
}

TEST(RecommendTest, DatabaseFaultsComeFirstAndSilenceThePoolWait) {
  OpResult op = Healthy("Create");
  op.pool_wait_share = 0.5;  // the outage's wait, not the pool's size
  op.faults.db_failed_attempts = 3;
  op.faults.db_retries = 3;
  op.first_failure = "iteration 7: Unavailable: postgres: connection lost";
  const std::vector<Recommendation> recs = Recommend({op});
  ASSERT_EQ(Metrics(recs), std::vector<std::string>{"database_faults"});
  EXPECT_DOUBLE_EQ(recs[0].value, 3);
  EXPECT_NE(recs[0].message.find("iteration 7"), std::string::npos) << recs[0].message;

  OpResult failed = Healthy("Create");
  failed.failed = 1;  // failed for good without a failed database attempt
  EXPECT_EQ(Metrics(Recommend({failed})), std::vector<std::string>{"database_faults"});
}

TEST(RecommendTest, LowHitRateIsTheCacheSizeUnlessRedisWasAway) {
  OpResult read = Healthy("Query Single");
  read.is_read = true;
  read.cache_hit_rate = 0.5;
  const std::vector<Recommendation> small = Recommend({read});
  ASSERT_EQ(Metrics(small), std::vector<std::string>{"cache_hit_rate"});
  EXPECT_DOUBLE_EQ(small[0].value, 0.5);
  EXPECT_DOUBLE_EQ(small[0].threshold, kMinCacheHitRate);

  // Just below the share of calls that met Redis trouble: still the cache's size.
  read.faults.redis_errors = 9;  // of 100 calls
  EXPECT_EQ(Metrics(Recommend({read})), std::vector<std::string>{"cache_hit_rate"});
  // At the share, whichever of failed commands and bypassed reads is larger counts.
  read.faults.l1_bypassed = 10;
  const std::vector<Recommendation> away = Recommend({read});
  ASSERT_EQ(Metrics(away), std::vector<std::string>{"redis_unavailable"});
  EXPECT_NE(away[0].message.find("Redis was unavailable for 10%"), std::string::npos) << away[0].message;
}

}  // namespace
}  // namespace chinook::profile
