// Fault behaviour against the real server: restarts, outages, hung servers, exhausted pools.
// Outages are staged with a loopback proxy in front of the server (testing/tcp_proxy.h) and
// with pg_terminate_backend, so the tests work whatever server CHINOOK_PG_DSN names and never
// disturb other tests sharing it.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "pg/pg_test_util.h"
#include "repository/customer_repository.h"
#include "repository/optimized_repository.h"
#include "repository/repository_test_env.h"
#include "testing/status_matchers.h"
#include "testing/tcp_proxy.h"
#include "workload/customer_corpus.h"

namespace chinook::repository {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

class RepositoryFaultTest : public testing::PgSchemaTest<::testing::Test> {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(UseServer("chinook_f")); }
  // The proxied pool's connections close before the proxy they go through.
  void TearDown() override { pool_.reset(); }

  // A repository whose connections go through a proxy the test controls.
  std::unique_ptr<CustomerRepository> ThroughProxy(pg::PoolOptions options) {
    auto target = pg::testing::ServerOf(dsn_);
    CHINOOK_EXPECT_OK(target);
    proxy_ = std::make_unique<::chinook::testing::TcpProxy>(*target);
    EXPECT_TRUE(proxy_->Start().ok());
    auto proxied = pg::testing::WithHostPort(dsn_, "127.0.0.1", proxy_->port());
    EXPECT_TRUE(proxied.ok());
    options.dsn = *proxied;
    auto pool = pg::ConnectionPool::Create(options);
    CHINOOK_EXPECT_OK(pool);
    pool_ = *pool;
    auto repo = NewOptimizedRepository(pool_, {.schema = schema_->name()});
    CHINOOK_EXPECT_OK(repo);
    return repo.ok() ? std::move(*repo) : nullptr;
  }

  // Every call kind succeeds (the repository recovered).
  void ExpectWorking(CustomerRepository& repo, uint64_t seed) {
    const auto batch = ::chinook::workload::MakeCorpus(5, {.seed = seed});
    ASSERT_TRUE(repo.Create(batch[0]).ok());
    ASSERT_TRUE(repo.CreateBatch(std::span(batch).subspan(1)).ok());
    auto got = repo.GetByID(batch[0].id());
    CHINOOK_ASSERT_OK(got);
    EXPECT_TRUE(got->has_value());
    std::vector<std::string> ids = {batch[1].id(), batch[4].id()};
    auto many = repo.GetMany(ids);
    CHINOOK_ASSERT_OK(many);
    EXPECT_TRUE((*many)[1].has_value());
    EXPECT_TRUE(repo.List(10, "").ok());
  }

  std::unique_ptr<::chinook::testing::TcpProxy> proxy_;
};

TEST_F(RepositoryFaultTest, BackendsTerminatedBetweenCallsNextCallSucceeds) {
  auto pool = pg::ConnectionPool::Create({.dsn = dsn_, .max_open = 2});
  ASSERT_TRUE(pool.ok());
  auto repo = NewOptimizedRepository(*pool, {.schema = schema_->name()});
  CHINOOK_ASSERT_OK(repo);
  ExpectWorking(**repo, 1);
  // What a server restart does to each of our connections: terminate them all.
  std::vector<pg::Lease> leases;
  std::string pids;
  for (int i = 0; i < 2; ++i) {
    auto lease = (*pool)->Acquire();
    ASSERT_TRUE(lease.ok());
    auto pid = (*lease)->Exec("SELECT pg_backend_pid()", SteadyClock::now() + milliseconds(5000));
    ASSERT_TRUE(pid.ok());
    if (!pids.empty()) pids += ',';
    pids += PQgetvalue(pid->get(), 0, 0);
    leases.push_back(std::move(*lease));
  }
  leases.clear();
  auto killed = pg::testing::AdminExec(
      dsn_, "SELECT bool_and(pg_terminate_backend(pid, 5000)) FROM unnest(ARRAY[" + pids + "]) AS pid");
  CHINOOK_ASSERT_OK(killed);
  ASSERT_EQ(*killed, "t");
  ExpectWorking(**repo, 2);
  EXPECT_EQ((*pool)->Stats().discarded, 2u);
}

TEST_F(RepositoryFaultTest, ServerRestartBetweenCallsNextCallSucceeds) {
  auto repo = ThroughProxy({.max_open = 2});
  ASSERT_NE(repo, nullptr);
  ExpectWorking(*repo, 1);
  proxy_->Stop();  // every connection cut, the server gone ...
  ASSERT_TRUE(proxy_->Start().ok());  // ... and back on the same address
  ExpectWorking(*repo, 2);
}

TEST_F(RepositoryFaultTest, ServerDownFailsUnavailableWithinTheTimeoutAndRecovers) {
  auto repo = ThroughProxy({.max_open = 2, .connect_timeout = milliseconds(500)});
  ASSERT_NE(repo, nullptr);
  ExpectWorking(*repo, 1);
  proxy_->Stop();
  const auto batch = ::chinook::workload::MakeCorpus(3, {.seed = 9});
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto start = SteadyClock::now();
    auto got = repo->GetByID(batch[0].id());
    EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status().ToString();
    Status created = repo->CreateBatch(batch);
    EXPECT_EQ(created.code(), StatusCode::kUnavailable) << created.ToString();
    EXPECT_LT(SteadyClock::now() - start, milliseconds(2 * 500 + 1000));
  }
  ASSERT_TRUE(proxy_->Start().ok());
  ExpectWorking(*repo, 2);
  EXPECT_EQ(schema_->CountRows("id LIKE 'cust-9-%'"), 0);

  // A server that was never there: the factory itself reports it.
  auto pool = pg::ConnectionPool::Create(
      {.dsn = "host=127.0.0.1 port=" + std::to_string(::chinook::testing::ClosedPort()) + " dbname=chinook"});
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ(NewNaiveRepository(*pool).status().code(), StatusCode::kUnavailable);
}

TEST_F(RepositoryFaultTest, HungServerFailsWithinTheQueryTimeout) {
  auto repo = ThroughProxy({.max_open = 1, .connect_timeout = milliseconds(500), .query_timeout = milliseconds(500)});
  ASSERT_NE(repo, nullptr);
  ExpectWorking(*repo, 1);
  proxy_->SetBlackHole(true);
  const auto start = SteadyClock::now();
  auto got = repo->GetByID("cust-1-0");
  EXPECT_FALSE(got.ok());
  EXPECT_TRUE(got.status().code() == StatusCode::kDeadlineExceeded || got.status().code() == StatusCode::kUnavailable)
      << got.status().ToString();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(3000));
  proxy_->SetBlackHole(false);
  ExpectWorking(*repo, 2);
}

TEST_F(RepositoryFaultTest, ConnectionLostDuringCopyStoresNothing) {
  auto repo = ThroughProxy({.max_open = 1});
  ASSERT_NE(repo, nullptr);
  const auto batch = ::chinook::workload::MakeCorpus(20000, {.seed = 11});
  std::thread cutter([&] {
    std::this_thread::sleep_for(milliseconds(30));
    proxy_->Stop();
  });
  Status s = repo->CreateBatch(batch);
  cutter.join();
  RecordProperty("copy_outcome", s.ToString());  // which branch below ran, for the record
  const int64_t stored = schema_->CountRows();
  if (s.ok()) {
    EXPECT_EQ(stored, 20000) << "the COPY finished before the cut";
  } else {
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
    EXPECT_EQ(stored, 0) << "a COPY cut half-way must store nothing";
  }
}

TEST_F(RepositoryFaultTest, OneConnectionEightCallersNoDeadlock) {
  auto pool = pg::ConnectionPool::Create({.dsn = dsn_, .max_open = 1, .acquire_timeout = milliseconds(300)});
  ASSERT_TRUE(pool.ok());
  auto made = NewOptimizedRepository(*pool, {.schema = schema_->name()});
  CHINOOK_ASSERT_OK(made);
  std::shared_ptr<CustomerRepository> repo = std::move(*made);
  auto run = std::async(std::launch::async, [&] {
    std::atomic<int> ok{0};
    std::atomic<int> exhausted{0};
    std::atomic<int> other{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 8; ++t) {
      callers.emplace_back([&, t] {
        const auto mine = ::chinook::workload::MakeCorpus(10, {.seed = 100 + static_cast<uint64_t>(t)});
        for (const Customer& c : mine) {
          for (Status s : {repo->Create(c), repo->GetByID(c.id()).status(), repo->List(5, "").status()}) {
            if (s.ok()) ++ok;
            else if (s.code() == StatusCode::kResourceExhausted) ++exhausted;
            else ++other;
          }
        }
      });
    }
    // A caller holding the only connection asks the repository for more work: it must get
    // ResourceExhausted after acquire_timeout, not wait for itself forever.
    Status nested;
    {
      auto held = (*pool)->Acquire();
      while (!held.ok()) held = (*pool)->Acquire();
      nested = repo->GetByID("x").status();
    }
    for (auto& c : callers) c.join();
    return std::make_tuple(ok.load(), exhausted.load(), other.load(), nested);
  });
  ASSERT_EQ(run.wait_for(std::chrono::seconds(120)), std::future_status::ready) << "deadlock";
  auto [ok, exhausted, other, nested] = run.get();
  EXPECT_EQ(nested.code(), StatusCode::kResourceExhausted) << nested.ToString();
  EXPECT_EQ(other, 0);
  EXPECT_EQ(ok + exhausted, 8 * 10 * 3);
  EXPECT_GT(ok, 0);
  EXPECT_LE((*pool)->Stats().open, 1);
}

}  // namespace
}  // namespace chinook::repository
