// Shared set-up of the repository integration tests: a pool on CHINOOK_PG_DSN and a schema of
// this test's own, dropped afterwards, so that tests may run in parallel on one database.
#ifndef CHINOOK_REPOSITORY_REPOSITORY_TEST_ENV_H_
#define CHINOOK_REPOSITORY_REPOSITORY_TEST_ENV_H_

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "pg/connection_pool.h"
#include "pg/pg_test_util.h"
#include "repository/customer_repository.h"
#include "repository/optimized_repository.h"
#include "testing/service_env.h"
#include "testing/status_matchers.h"

namespace chinook::repository::testing {

enum class Kind { kNaive, kOptimized, kOptimizedPipelined };

inline const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kNaive: return "Naive";
    case Kind::kOptimized: return "Optimized";
    case Kind::kOptimizedPipelined: return "OptimizedPipelined";
  }
  return "?";
}
// GoogleTest prints parameters with this (test names in CTest stay readable).
inline void PrintTo(Kind kind, std::ostream* os) { *os << KindName(kind); }

inline Result<std::unique_ptr<CustomerRepository>> MakeRepository(Kind kind, std::shared_ptr<pg::ConnectionPool> pool,
                                                                   const std::string& schema) {
  switch (kind) {
    case Kind::kNaive: return NewNaiveRepository(std::move(pool), {.schema = schema});
    case Kind::kOptimized: return NewOptimizedRepository(std::move(pool), {.schema = schema});
    case Kind::kOptimizedPipelined:
      return NewOptimizedRepository(std::move(pool), {.schema = schema}, {.get_many = GetManyStrategy::kPipeline});
  }
  return InternalError("unknown kind");
}

// Owns a schema for the duration of a test.
class ScopedSchema {
 public:
  ScopedSchema(std::string dsn, std::string_view prefix)
      : dsn_(std::move(dsn)), name_(pg::testing::UniqueSchema(prefix)) {}
  ~ScopedSchema() {
    auto dropped = pg::testing::AdminExec(dsn_, "DROP SCHEMA IF EXISTS \"" + name_ + "\" CASCADE");
    EXPECT_TRUE(dropped.ok()) << dropped.status().ToString();
  }
  const std::string& name() const { return name_; }
  // count(*) of the schema's customers table, or -1 on error.
  int64_t CountRows(const std::string& where = "true") const {
    auto n = pg::testing::AdminExec(dsn_, "SELECT count(*) FROM \"" + name_ + "\".customers WHERE " + where);
    return n.ok() ? std::stoll(*n) : -1;
  }

 private:
  std::string dsn_;
  std::string name_;
};

// The fixture the repository tests against the real server share: the server CHINOOK_PG_DSN
// names, a schema of the test's own and, for most, a pool on it. `Base` is ::testing::Test or a
// ::testing::TestWithParam. Members are destroyed after the derived fixture's, so its
// repositories go before the pool and the pool before the schema is dropped.
template <typename Base>
class PgSchemaTest : public Base {
 protected:
  // First thing in SetUp (under ASSERT_NO_FATAL_FAILURE): the DSN, or a failure naming the
  // variable, and a fresh schema named after `prefix`.
  void UseServer(std::string_view prefix) {
    dsn_ = ::chinook::workload::EnvOrEmpty(::chinook::workload::kPgDsnVar);
    if (dsn_.empty()) GTEST_FAIL() << ::chinook::workload::MissingEnvMessage(::chinook::workload::kPgDsnVar);
    schema_ = std::make_unique<ScopedSchema>(dsn_, prefix);
  }
  // UseServer, then a pool of `max_open` connections to the server in pool_.
  void UseServerAndPool(std::string_view prefix, int max_open) {
    ASSERT_NO_FATAL_FAILURE(UseServer(prefix));
    auto pool = pg::ConnectionPool::Create({.dsn = dsn_, .max_open = max_open});
    CHINOOK_ASSERT_OK(pool);
    pool_ = *pool;
  }

  std::string dsn_;
  std::unique_ptr<ScopedSchema> schema_;
  std::shared_ptr<pg::ConnectionPool> pool_;
};

}  // namespace chinook::repository::testing

#endif  // CHINOOK_REPOSITORY_REPOSITORY_TEST_ENV_H_
