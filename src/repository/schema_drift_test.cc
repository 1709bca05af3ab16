// Schema drift against the real server: each test migrates a schema of its own, changes one thing
// behind the repository's back (as a hand-run ALTER or a newer build would), and checks that the
// start-up check names it (FailedPrecondition: schema, table, column, expected, found) and that
// rows read through an already-open repository name the row and the column.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "pg/pg_test_util.h"
#include "repository/customer_repository.h"
#include "repository/repository_test_env.h"
#include "repository/row_codec.h"
#include "repository/statements.h"
#include "repository/validation.h"
#include "testing/status_matchers.h"
#include "workload/customer_corpus.h"

namespace chinook::repository {
namespace {

class SchemaDriftTest : public testing::PgSchemaTest<::testing::Test> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(UseServerAndPool("chinook_d", 2));
    // The schema as the migration makes it, and repositories opened before the drift.
    auto naive = NewNaiveRepository(pool_, {.schema = schema_->name()});
    CHINOOK_ASSERT_OK(naive);
    naive_ = std::move(*naive);
    auto optimized = NewOptimizedRepository(pool_, {.schema = schema_->name()});
    CHINOOK_ASSERT_OK(optimized);
    optimized_ = std::move(*optimized);
  }

  void Admin(const std::string& sql) {
    auto r = pg::testing::AdminExec(dsn_, sql);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  }
  std::string Quoted() const { return "\"" + schema_->name() + "\""; }
  std::string Table() const { return Quoted() + ".customers"; }

  // Opening either repository on the schema as it is now is FailedPrecondition saying all of
  // `says`.
  void ExpectRefusedAtStartUp(const std::vector<std::string>& says) {
    for (bool naive : {true, false}) {
      auto repo = naive ? NewNaiveRepository(pool_, {.schema = schema_->name()})
                        : NewOptimizedRepository(pool_, {.schema = schema_->name()});
      ASSERT_FALSE(repo.ok()) << (naive ? "naive" : "optimized") << " opened a drifted schema";
      EXPECT_EQ(repo.status().code(), StatusCode::kFailedPrecondition) << repo.status().ToString();
      EXPECT_NE(repo.status().message().find("schema \"" + schema_->name() + "\""), std::string::npos)
          << repo.status().message();
      for (const std::string& s : says) {
        EXPECT_NE(repo.status().message().find(s), std::string::npos)
            << "want \"" << s << "\" in: " << repo.status().message();
      }
    }
  }

  Customer Stored(uint64_t seed) {
    Customer c = ::chinook::workload::MakeCorpus(1, {.seed = seed})[0];
    EXPECT_TRUE(naive_->Create(c).ok());
    return c;
  }

  std::unique_ptr<CustomerRepository> naive_;
  std::unique_ptr<CustomerRepository> optimized_;
};

TEST_F(SchemaDriftTest, MetadataChangedToTextIsDriftNotCorruption) {
  const Customer c = Stored(1);
  Admin("ALTER TABLE " + Table() + " ALTER COLUMN metadata TYPE text");
  ExpectRefusedAtStartUp({"table customers: column metadata: expected jsonb, found text"});
  // A repository opened before the change, sending unprepared statements, gets text back.
  auto got = naive_->GetByID(c.id());
  EXPECT_EQ(got.status().code(), StatusCode::kFailedPrecondition) << got.status().ToString();
  EXPECT_NE(got.status().message().find("column metadata: expected type jsonb"), std::string::npos)
      << got.status().message();
  EXPECT_EQ(got.status().message().find("jsonb binary version"), std::string::npos) << got.status().message();
}

TEST_F(SchemaDriftTest, FutureSchemaVersionIsRefusedAndNothingIsChanged) {
  const std::string latest = std::to_string(LatestSchemaVersion());
  const std::string future = std::to_string(LatestSchemaVersion() + 1);
  Admin("INSERT INTO " + Quoted() + ".schema_migrations (version, description) VALUES (" + future +
        ", 'from a newer build')");
  ExpectRefusedAtStartUp(
      {"table schema_migrations, column version: expected at most " + latest, "found " + future, "newer build"});
  auto rows = pg::testing::AdminExec(dsn_, "SELECT count(*) FROM " + Quoted() + ".schema_migrations");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, "2");
}

TEST_F(SchemaDriftTest, FutureVersionOnANewSchemaLeavesNoTablesBehind) {
  testing::ScopedSchema other(dsn_, "chinook_d");
  const std::string q = "\"" + other.name() + "\"";
  Admin("CREATE SCHEMA " + q + "; CREATE TABLE " + q +
        ".schema_migrations (version integer PRIMARY KEY, description text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now()); INSERT INTO " + q +
        ".schema_migrations (version, description) VALUES (" + std::to_string(LatestSchemaVersion() + 7) +
        ", 'future')");
  auto repo = NewOptimizedRepository(pool_, {.schema = other.name()});
  EXPECT_EQ(repo.status().code(), StatusCode::kFailedPrecondition) << repo.status().ToString();
  auto customers = pg::testing::AdminExec(dsn_, "SELECT to_regclass('" + q + ".customers') IS NULL");
  ASSERT_TRUE(customers.ok());
  EXPECT_EQ(*customers, "t") << "a refused migration must not create the customers table";
}

TEST_F(SchemaDriftTest, NullableEmailIsNamedAndANullEmailIsNotReadAsEmpty) {
  const Customer c = Stored(2);
  Admin("ALTER TABLE " + Table() + " ALTER COLUMN email DROP NOT NULL; UPDATE " + Table() +
        " SET email = NULL WHERE id = '" + c.id() + "'");
  ExpectRefusedAtStartUp({"table customers: column email: expected NOT NULL, found nullable"});
  for (CustomerRepository* repo : {naive_.get(), optimized_.get()}) {
    auto got = repo->GetByID(c.id());
    EXPECT_EQ(got.status().code(), StatusCode::kDataLoss) << got.status().ToString();
    EXPECT_NE(got.status().message().find("customer row 0 (id \"" + c.id() + "\"): column email is NULL"),
              std::string::npos)
        << got.status().message();
    auto page = repo->List(10, "");
    EXPECT_EQ(page.status().code(), StatusCode::kDataLoss) << page.status().ToString();
    EXPECT_NE(page.status().message().find("column email is NULL"), std::string::npos) << page.status().message();
  }
}

TEST_F(SchemaDriftTest, MissingExtraColumnsAndALostPrimaryKeyAreAllListed) {
  Admin("ALTER TABLE " + Table() + " DROP COLUMN phone; ALTER TABLE " + Table() +
        " ADD COLUMN tenant text NOT NULL; ALTER TABLE " + Table() + " ADD COLUMN note text; ALTER TABLE " +
        Table() + " DROP CONSTRAINT customers_pkey");
  ExpectRefusedAtStartUp({"column phone: expected text nullable, found no such column",
                          "column tenant: not expected, and NOT NULL without a default",
                          "primary key: expected (id), found none"});
}

TEST_F(SchemaDriftTest, MigrationTableTypeChangeIsNamedBeforeItsVersionIsRead) {
  Admin("ALTER TABLE " + Quoted() + ".schema_migrations ALTER COLUMN version TYPE bigint");
  ExpectRefusedAtStartUp({"table schema_migrations: column version: expected integer, found bigint"});
}

TEST_F(SchemaDriftTest, RowsLargerThanACustomerMayCarryAreRefusedNamingTheLimit) {
  // Written behind the repository's back, past what its validation would let in.
  Admin("INSERT INTO " + Table() +
        " (id, email, name, metadata, created_at, updated_at) VALUES"
        " ('big-metadata', 'a@x.com', 'n', jsonb_build_object('k', repeat('v', " +
        std::to_string(kMaxRowMetadataBytes) + ")), now(), now()),"
        " ('big-name', 'a@x.com', repeat('n', " + std::to_string(kMaxRowNameBytes + 1) + "), '{}', now(), now())");
  for (CustomerRepository* repo : {naive_.get(), optimized_.get()}) {
    auto got = repo->GetByID("big-metadata");
    EXPECT_EQ(got.status().code(), StatusCode::kResourceExhausted) << got.status().ToString();
    EXPECT_NE(got.status().message().find("(id \"big-metadata\"): column metadata holds"), std::string::npos)
        << got.status().message();
    EXPECT_NE(got.status().message().find("over the " + std::to_string(kMaxRowMetadataBytes) +
                                          " a customer row may carry (kMaxRowMetadataBytes)"),
              std::string::npos)
        << got.status().message();
    got = repo->GetByID("big-name");
    EXPECT_EQ(got.status().code(), StatusCode::kResourceExhausted) << got.status().ToString();
    EXPECT_NE(got.status().message().find("column name holds " + std::to_string(kMaxRowNameBytes + 1) + " bytes"),
              std::string::npos)
        << got.status().message();
    EXPECT_NE(got.status().message().find("(kMaxRowNameBytes)"), std::string::npos) << got.status().message();
  }
  // The most a valid customer's metadata can print as (control characters escaped by jsonb as
  // \u00XX) stays inside the row limit.
  Customer c = ::chinook::workload::MakeCorpus(1, {.seed = 3})[0];
  c.mutable_metadata()->clear();
  for (int i = 0; i < static_cast<int>(kMaxMetadataEntries); ++i) {
    (*c.mutable_metadata())[std::to_string(100 + i)] = std::string(kMaxMetadataBytes / kMaxMetadataEntries - 3, '\x01');
  }
  ASSERT_TRUE(ValidateCustomer(c).ok()) << ValidateCustomer(c).ToString();
  ASSERT_TRUE(optimized_->Create(c).ok());
  auto got = optimized_->GetByID(c.id());
  CHINOOK_ASSERT_OK(got);
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->metadata().size(), kMaxMetadataEntries);
}

}  // namespace
}  // namespace chinook::repository
