#include "pg/connection_pool.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pg/pg_test_util.h"
#include "testing/service_env.h"
#include "testing/status_matchers.h"
#include "testing/tcp_proxy.h"

namespace chinook::pg {
namespace {

using std::chrono::milliseconds;

std::string BackendPid(Connection& conn) {
  auto r = conn.Exec("SELECT pg_backend_pid()", SteadyClock::now() + milliseconds(5000));
  return r.ok() ? PQgetvalue(r->get(), 0, 0) : "error: " + r.status().ToString();
}

// Terminates the backend and waits until the server has let it go.
void TerminateBackend(const std::string& dsn, const std::string& pid) {
  auto killed = testing::AdminExec(dsn, "SELECT pg_terminate_backend(" + pid + ", 5000)");
  CHINOOK_ASSERT_OK(killed);
  ASSERT_EQ(*killed, "t");
}

TEST(ConnectionPoolTest, RejectsBadOptions) {
  EXPECT_EQ(ConnectionPool::Create({}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConnectionPool::Create({.dsn = "host=x nonsense_option=1"}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ConnectionPool::Create({.dsn = "host=x", .max_open = -1}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ConnectionPool::Create({.dsn = "host=x", .acquire_timeout = milliseconds(0)}).status().code(),
            StatusCode::kInvalidArgument);
  auto pool = ConnectionPool::Create({.dsn = "host=x"});
  ASSERT_TRUE(pool.ok());
  EXPECT_EQ((*pool)->options().max_open, 2 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  EXPECT_EQ((*pool)->options().max_idle, (*pool)->options().max_open);
}

TEST(ConnectionPoolTest, ExhaustedPoolFailsAfterAcquireTimeoutEvenForTheHolder) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  auto pool = ConnectionPool::Create({.dsn = dsn, .max_open = 1, .acquire_timeout = milliseconds(200)});
  ASSERT_TRUE(pool.ok());
  auto held = (*pool)->Acquire();
  CHINOOK_ASSERT_OK(held);
  const auto start = SteadyClock::now();
  auto second = (*pool)->Acquire();  // same thread, already holding the only connection
  EXPECT_EQ(second.status().code(), StatusCode::kResourceExhausted) << second.status().ToString();
  EXPECT_GE(SteadyClock::now() - start, milliseconds(190));
  EXPECT_LT(SteadyClock::now() - start, milliseconds(3000));
  PoolStats s = (*pool)->Stats();
  EXPECT_EQ(s.timeouts, 1u);
  EXPECT_EQ(s.waits, 1u);
  EXPECT_GE(s.wait_time, milliseconds(190));
  EXPECT_EQ(s.open, 1);
  held->Release();
  EXPECT_TRUE((*pool)->Acquire().ok());
}

TEST(ConnectionPoolTest, ConnectionReturnedInTransactionIsRolledBack) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  auto pool = ConnectionPool::Create({.dsn = dsn, .max_open = 1});
  ASSERT_TRUE(pool.ok());
  const Deadline d = SteadyClock::now() + milliseconds(5000);
  std::string pid;
  {
    auto lease = (*pool)->Acquire();
    CHINOOK_ASSERT_OK(lease);
    pid = BackendPid(**lease);
    ASSERT_TRUE((*lease)->Exec("BEGIN; CREATE TEMP TABLE left_open (x int)", d).ok());
    ASSERT_TRUE((*lease)->in_transaction());
  }
  {
    auto lease = (*pool)->Acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(BackendPid(**lease), pid) << "the same connection, cleaned, not a new one";
    EXPECT_FALSE((*lease)->in_transaction());
    auto t = (*lease)->Exec("SELECT to_regclass('pg_temp.left_open') IS NULL", d);
    ASSERT_TRUE(t.ok());
    EXPECT_STREQ(PQgetvalue(t->get(), 0, 0), "t") << "the open transaction was not rolled back";
    // A failed transaction too.
    ASSERT_FALSE((*lease)->Exec("BEGIN; SELECT 1/0", d).ok());
    ASSERT_TRUE((*lease)->in_transaction());
  }
  auto lease = (*pool)->Acquire();
  ASSERT_TRUE(lease.ok());
  EXPECT_FALSE((*lease)->in_transaction());
  EXPECT_TRUE((*lease)->Exec("SELECT 1", d).ok());
}

TEST(ConnectionPoolTest, TerminatedConnectionIsReplacedOnBorrow) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  // No health-check ping: the zero-cost check on borrow alone must notice the dead connection.
  auto pool = ConnectionPool::Create({.dsn = dsn, .max_open = 1, .health_check_after_idle = std::chrono::hours(1)});
  ASSERT_TRUE(pool.ok());
  std::string pid;
  {
    auto lease = (*pool)->Acquire();
    CHINOOK_ASSERT_OK(lease);
    pid = BackendPid(**lease);
  }
  TerminateBackend(dsn, pid);
  auto lease = (*pool)->Acquire();
  CHINOOK_ASSERT_OK(lease);
  const std::string new_pid = BackendPid(**lease);
  EXPECT_NE(new_pid, pid);
  EXPECT_EQ(new_pid.find("error"), std::string::npos) << new_pid;
  EXPECT_EQ((*pool)->Stats().discarded, 1u);
  EXPECT_EQ((*pool)->Stats().connects, 2u);
}

TEST(ConnectionPoolTest, HealthCheckLifetimeAndIdleLimits) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  auto pool = ConnectionPool::Create(
      {.dsn = dsn, .max_open = 2, .max_lifetime = milliseconds(300), .health_check_after_idle = milliseconds(0)});
  ASSERT_TRUE(pool.ok());
  std::string pid;
  {
    auto lease = (*pool)->Acquire();
    ASSERT_TRUE(lease.ok());
    pid = BackendPid(**lease);
  }
  std::this_thread::sleep_for(milliseconds(5));
  {
    auto lease = (*pool)->Acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(BackendPid(**lease), pid);
  }
  EXPECT_EQ((*pool)->Stats().health_checks, 1u);
  std::this_thread::sleep_for(milliseconds(350));
  {
    auto lease = (*pool)->Acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_NE(BackendPid(**lease), pid) << "a connection past max_lifetime must be replaced";
  }

  auto no_idle = ConnectionPool::Create({.dsn = dsn, .max_open = 2, .max_idle = 0});
  ASSERT_TRUE(no_idle.ok());
  {
    auto lease = (*no_idle)->Acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ((*no_idle)->Stats().open, 1);
  }
  EXPECT_EQ((*no_idle)->Stats().open, 0);
  EXPECT_EQ((*no_idle)->Stats().idle, 0);
}

TEST(ConnectionPoolTest, ManyThreadsShareFewConnections) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  auto pool = ConnectionPool::Create({.dsn = dsn, .max_open = 2});
  ASSERT_TRUE(pool.ok());
  std::atomic<int> ok{0};
  std::atomic<int> in_use{0};
  std::atomic<int> max_in_use{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto lease = (*pool)->Acquire();
        if (!lease.ok()) continue;
        const int now = ++in_use;
        for (int seen = max_in_use; now > seen && !max_in_use.compare_exchange_weak(seen, now);) {
        }
        if ((*lease)->Exec("SELECT 1", SteadyClock::now() + milliseconds(5000)).ok()) ++ok;
        --in_use;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 160);
  EXPECT_LE(max_in_use, 2);
  EXPECT_LE((*pool)->Stats().connects, 2u);
  EXPECT_EQ((*pool)->Stats().acquired, 160u);
}

TEST(ConnectionPoolTest, ServerDownIsUnavailableWithinConnectTimeout) {
  ::chinook::testing::SilentListener silent;
  auto pool = ConnectionPool::Create({.dsn = "host=127.0.0.1 port=" + std::to_string(silent.port()) + " dbname=x",
                                      .connect_timeout = milliseconds(300)});
  ASSERT_TRUE(pool.ok());
  const auto start = SteadyClock::now();
  auto lease = (*pool)->Acquire();
  EXPECT_EQ(lease.status().code(), StatusCode::kUnavailable) << lease.status().ToString();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(2000));
  EXPECT_EQ((*pool)->Stats().open, 0) << "a failed connect must give its slot back";
  EXPECT_EQ((*pool)->Stats().connect_failures, 1u);
}

}  // namespace
}  // namespace chinook::pg
