// Fault runs against real servers that the tests own, so that killing them disturbs no other
// test running in parallel (CTest -j) on the shared servers of ci/services.sh:
//
//   PostgresRestart  a PostgreSQL cluster of its own (initdb into a temporary directory, own
//                    port), stopped the hard way (pg_ctl -m immediate: a crash) and started again
//                    in the middle of 10,000 Creates from two threads.
//   RedisKill        a redis-server of its own, killed with SIGKILL in the middle of reads through
//                    CustomerService; the data stays in the shared PostgreSQL (own schema).
// (The servers are tests/fault_servers.h's; tool_fault_drill_test.cc runs the tools against them.)
//
// The PostgreSQL test needs the server binaries (CHINOOK_PG_BIN, default that of ci/services.sh).
// When they are absent and the tests run against an external server (no services/pg.dir under
// CHINOOK_BUILD_DIR), it is skipped with the reason; with local services it fails instead.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "cache/redis_cache.h"
#include "customer/customer_service.h"
#include "fault_servers.h"
#include "pg/connection_pool.h"
#include "pg/pg_test_util.h"
#include "repository/customer_repository.h"
#include "repository/repository_test_env.h"
#include "testing/service_env.h"
#include "testing/status_matchers.h"
#include "workload/customer_corpus.h"

namespace chinook {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

using fault_testing::OwnRedis;
using fault_testing::ThrowawayPostgres;

struct CallRecord {
  std::string id;
  Status status;
  SteadyClock::time_point start, end;
};

// 10,000 Creates from two threads; the server crashes after 2,000 are acknowledged and comes
// back half a second later. Every acknowledged write must be there afterwards, only calls
// made while the server was away may fail (Unavailable), and calls succeed again within 2 s of
// the server being back.
TEST(PostgresRestart, NoAcknowledgedWriteLostOnlyInFlightCallsFailRecoversWithinTwoSeconds) {
  bool skip = false;
  if (const std::string why = ThrowawayPostgres::Unusable(&skip); !why.empty()) {
    if (skip) GTEST_SKIP() << why;
    FAIL() << why;
  }
  ThrowawayPostgres server;
  ASSERT_TRUE(server.Init().ok()) << "initdb failed; see " << server.log();
  ASSERT_TRUE(server.Start().ok()) << "the throwaway server did not start; see " << server.log();

  // Short connect timeout: while the server is away a call fails fast instead of hanging.
  auto pool = pg::ConnectionPool::Create({.dsn = server.dsn(),
                                          .max_open = 2,
                                          .acquire_timeout = 2s,
                                          .connect_timeout = 500ms,
                                          .query_timeout = 5s});
  CHINOOK_ASSERT_OK(pool);
  auto repo = repository::NewOptimizedRepository(*pool, {.schema = "fault"});
  CHINOOK_ASSERT_OK(repo);

  constexpr int kThreads = 2;
  constexpr int kOpsPerThread = 5'000;
  constexpr int kAckedBeforeCrash = 2'000;
  std::atomic<int> acked{0};
  std::vector<std::vector<CallRecord>> records(kThreads);
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      ::chinook::workload::CustomerGenerator generator({.seed = 900 + static_cast<uint64_t>(t)});
      records[t].reserve(kOpsPerThread);
      for (int i = 0; i < kOpsPerThread; ++i) {
        const auto customer = generator.Next();
        CallRecord r{customer.id(), Status(), SteadyClock::now(), {}};
        r.status = (*repo)->Create(customer);
        r.end = SteadyClock::now();
        if (r.status.ok()) {
          acked.fetch_add(1, std::memory_order_relaxed);
        } else {
          std::this_thread::sleep_for(20ms);  // a client backs off before its next call
        }
        records[t].push_back(std::move(r));
      }
    });
  }
  while (acked.load() < kAckedBeforeCrash) std::this_thread::sleep_for(1ms);
  const SteadyClock::time_point crash = SteadyClock::now();
  ASSERT_TRUE(server.Crash().ok()) << "see " << server.log();
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(server.Start().ok()) << "restart failed; see " << server.log();
  const SteadyClock::time_point back = SteadyClock::now();  // pg_ctl -w returned: accepting connections
  for (auto& w : writers) w.join();

  std::vector<std::string> acknowledged;
  int failed = 0;
  SteadyClock::time_point last_failure = crash;
  for (const auto& thread_records : records) {
    for (const CallRecord& r : thread_records) {
      if (r.status.ok()) {
        acknowledged.push_back(r.id);
        continue;
      }
      ++failed;
      last_failure = std::max(last_failure, r.end);
      EXPECT_EQ(r.status.code(), StatusCode::kUnavailable) << r.status.ToString();
      // Only calls in flight at the crash or made while the server was away fail.
      EXPECT_GT(r.end, crash) << "a call failed before the crash: " << r.status.ToString();
      EXPECT_LT(r.start, back + 2s) << "a call made " << Seconds(r.start - back)
                                    << " s after the restart failed: " << r.status.ToString();
    }
  }
  EXPECT_GT(failed, 0) << "no call failed: the crash was not observed";
  EXPECT_EQ(acknowledged.size() + failed, static_cast<size_t>(kThreads * kOpsPerThread));
  const double recovery = std::max(0.0, Seconds(last_failure - back));
  EXPECT_LT(recovery, 2.0) << "calls still failed " << recovery << " s after the server was back";
  for (size_t t = 0; t < records.size(); ++t) {
    const auto first_ok_after = std::find_if(records[t].begin(), records[t].end(),
                                             [&](const CallRecord& r) { return r.start >= back && r.status.ok(); });
    ASSERT_NE(first_ok_after, records[t].end()) << "thread " << t << " never succeeded after the restart";
    EXPECT_LT(Seconds(first_ok_after->end - back), 2.0) << "thread " << t;
  }
  ::testing::Test::RecordProperty("failed_calls", failed);
  ::testing::Test::RecordProperty("recovery_ms", static_cast<int>(recovery * 1000));
  std::printf("PostgresRestart: %zu acknowledged, %d failed (Unavailable), last failure %.3f s after the server "
              "was back\n",
              acknowledged.size(), failed, Seconds(last_failure - back));

  // Every acknowledged write survived the crash.
  constexpr size_t kReadChunk = 500;
  size_t found = 0;
  for (size_t i = 0; i < acknowledged.size(); i += kReadChunk) {
    const std::vector<std::string> ids(acknowledged.begin() + i,
                                       acknowledged.begin() + std::min(acknowledged.size(), i + kReadChunk));
    auto got = (*repo)->GetMany(ids);
    CHINOOK_ASSERT_OK(got);
    for (size_t j = 0; j < ids.size(); ++j) {
      if ((*got)[j].has_value()) {
        ++found;
      } else {
        ADD_FAILURE() << "acknowledged customer " << ids[j] << " is gone after the restart";
      }
    }
  }
  EXPECT_EQ(found, acknowledged.size());
}

// Reads through CustomerService from two threads; the Redis server is killed half-way. Every
// read still answers (from PostgreSQL), correctly, and the share answered by the caches drops.
TEST(RedisKill, ReadsKeepSucceedingFromTheDatabaseAndTheHitRateDrops) {
  CHINOOK_REQUIRE_ENV(dsn, workload::kPgDsnVar);
  repository::testing::ScopedSchema schema(dsn, "chinook_rk");
  auto pool = pg::ConnectionPool::Create({.dsn = dsn, .max_open = 2});
  CHINOOK_ASSERT_OK(pool);
  auto repo = repository::NewOptimizedRepository(*pool, {.schema = schema.name()});
  CHINOOK_ASSERT_OK(repo);
  std::shared_ptr<repository::CustomerRepository> repository = std::move(*repo);
  constexpr size_t kCustomers = 500;
  const auto corpus = ::chinook::workload::MakeCorpus(kCustomers, {.seed = 77});
  ASSERT_TRUE(repository->CreateBatch(corpus).ok());

  const std::string log = fs::temp_directory_path() / ("chinook-redis-kill-" + std::to_string(getpid()) + ".log");
  OwnRedis redis;
  ASSERT_TRUE(redis.Start(log).ok()) << "see " << log;
  customer::CustomerServiceOptions options;
  options.cache.l1.max_entries = kCustomers;  // everything fits: before the kill nearly all reads hit
  customer::CustomerService service(repository, cache::NewRedisCache(redis.endpoint()), options);
  ASSERT_TRUE(service.WaitUntilCoherent(SteadyClock::now() + 5s));
  for (const auto& c : corpus) ASSERT_TRUE(service.GetByID(c.id()).ok());  // both tiers warm

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> ids_read{0}, errors{0};
  std::mutex first_error_mutex;
  std::string first_error;  // GUARDED_BY(first_error_mutex)
  const auto report = [&](const std::string& what) {
    errors.fetch_add(1);
    std::lock_guard<std::mutex> lock(first_error_mutex);
    if (first_error.empty()) first_error = what;
  };
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&, t] {
      ::chinook::workload::CustomerGenerator dice({.seed = 500 + static_cast<uint64_t>(t)});
      while (!stop.load()) {
        const auto& c = corpus[dice.Uniform(kCustomers)];
        if (dice.Uniform(10) == 0) {  // one read in ten is a GetMany of 8 ids
          std::vector<std::string> ids;
          for (int i = 0; i < 8; ++i) ids.push_back(corpus[dice.Uniform(kCustomers)].id());
          auto many = service.GetMany(ids);
          ids_read.fetch_add(ids.size());
          if (!many.ok()) {
            report("GetMany: " + many.status().ToString());
            continue;
          }
          for (size_t i = 0; i < ids.size(); ++i) {
            if ((*many)[i] == nullptr || (*many)[i]->id() != ids[i]) report("GetMany: wrong answer for " + ids[i]);
          }
          continue;
        }
        auto got = service.GetByID(c.id());
        ids_read.fetch_add(1);
        if (!got.ok()) {
          report("GetByID: " + got.status().ToString());
        } else if (*got == nullptr || (**got).email() != c.email()) {
          report("GetByID: wrong answer for " + c.id());
        }
      }
    });
  }
  // Share of the ids read in [from, to] that a cache tier answered.
  struct Snapshot {
    customer::CustomerServiceStats stats;
    uint64_t ids;
  };
  const auto snapshot = [&] { return Snapshot{service.Stats(), ids_read.load()}; };
  const auto hit_rate = [](const Snapshot& from, const Snapshot& to) {
    const double hits = static_cast<double>((to.stats.l1_hits - from.stats.l1_hits) +
                                            (to.stats.l2_hits - from.stats.l2_hits));
    return to.ids == from.ids ? 0.0 : hits / static_cast<double>(to.ids - from.ids);
  };
  std::this_thread::sleep_for(200ms);
  const Snapshot before_from = snapshot();
  std::this_thread::sleep_for(600ms);
  const Snapshot before_to = snapshot();
  redis.Kill();
  // The invalidation listener notices the closed connection and L1 is bypassed from then on.
  std::this_thread::sleep_for(200ms);
  const Snapshot after_from = snapshot();
  std::this_thread::sleep_for(600ms);
  const Snapshot after_to = snapshot();
  stop = true;
  for (auto& r : readers) r.join();

  EXPECT_EQ(errors.load(), 0u) << "first: " << first_error;
  const double hit_before = hit_rate(before_from, before_to);
  const double hit_after = hit_rate(after_from, after_to);
  std::printf("RedisKill: hit rate %.3f before the kill (%lu ids read), %.3f after (%lu ids read, %lu redis errors)\n",
              hit_before, static_cast<unsigned long>(before_to.ids - before_from.ids), hit_after,
              static_cast<unsigned long>(after_to.ids - after_from.ids),
              static_cast<unsigned long>(after_to.stats.redis_errors - after_from.stats.redis_errors));
  EXPECT_GT(before_to.ids - before_from.ids, 0u);
  EXPECT_GT(after_to.ids - after_from.ids, 0u) << "reads stopped after the kill";
  EXPECT_GT(hit_before, 0.9) << "both tiers were warm and hold every customer";
  EXPECT_LT(hit_after, hit_before / 2) << "the caches kept answering with their server dead";
  EXPECT_GT(after_to.stats.loader_calls, after_from.stats.loader_calls) << "reads did not reach the database";
  std::remove(log.c_str());
}

}  // namespace
}  // namespace chinook
