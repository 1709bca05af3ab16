// Behaviour of both repositories against the real server (parameterised over the
// implementations, so the naive "before" is held to the same contract).
#include "repository/customer_repository.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "repository/cursor.h"
#include "repository/repository_test_env.h"
#include "repository/statements.h"
#include "testing/status_matchers.h"
#include "workload/customer_corpus.h"

namespace chinook::repository {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::Kind;

std::string TestName(const ::testing::TestParamInfo<Kind>& info) { return testing::KindName(info.param); }

class RepositoryTest : public testing::PgSchemaTest<::testing::TestWithParam<Kind>> {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(UseServerAndPool("chinook_t", 4));
    auto repo = testing::MakeRepository(GetParam(), pool_, schema_->name());
    CHINOOK_ASSERT_OK(repo);
    repo_ = std::move(*repo);
  }

  std::vector<Customer> Corpus(size_t n, uint64_t seed = 7) {
    return ::chinook::workload::MakeCorpus(n, {.seed = seed});
  }

  void ExpectStored(const Customer& want) {
    auto got = repo_->GetByID(want.id());
    CHINOOK_ASSERT_OK(got);
    ASSERT_TRUE(got->has_value()) << "missing: " << want.id();
    EXPECT_TRUE(MessageDifferencer::Equals(**got, want))
        << "want " << want.ShortDebugString() << "\n got " << (*got)->ShortDebugString();
  }

  std::unique_ptr<CustomerRepository> repo_;
};

TEST_P(RepositoryTest, CreateThenGetReturnsTheSameCustomer) {
  for (const Customer& c : Corpus(40)) ASSERT_TRUE(repo_->Create(c).ok());
  for (const Customer& c : Corpus(40)) ExpectStored(c);
  auto absent = repo_->GetByID("no-such-id");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
}

TEST_P(RepositoryTest, CreateOfATakenIdIsAlreadyExists) {
  const Customer c = Corpus(1)[0];
  ASSERT_TRUE(repo_->Create(c).ok());
  Status s = repo_->Create(c);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_EQ(pg::SqlStateOf(s), "23505");
  EXPECT_EQ(s.message().rfind("create: ", 0), 0u) << s.ToString();
}

TEST_P(RepositoryTest, HostileValuesRoundTripUnchanged) {
  std::vector<Customer> hostile;
  const std::vector<std::string> ids = {"'; DROP TABLE customers; --", "O'Brien\"\\", "Robert'); --", "$1", "%s%n",
                                        "😀 ü \u05e2\u05d1\u05e8\u05d9\u05ea rtl", " leading and trailing ", "a\\'b\\\\"};
  for (size_t i = 0; i < ids.size(); ++i) {
    Customer c;
    c.set_id(ids[i]);
    c.set_email("o'brien+" + std::to_string(i) + "@example.com");
    // Names may hold what ids may not (bidirectional overrides, zero-width joiners).
    c.set_name(std::string("x'); DROP TABLE customers; -- \\ \" \n\t\x01\x7f 山田 😀 \u202e \u200d \\u0000 ") +
               ids[i]);
    (*c.mutable_metadata())["'; DROP TABLE customers; --"] = "\"}{\\";
    (*c.mutable_metadata())["ctl\n\t"] = std::string("\x01\x1f", 2);
    (*c.mutable_metadata())["{\"nested\": 1}"] = "\xf0\x9f\x98\x80";
    c.mutable_created_at()->set_seconds(-86400 * 365 * 50 - static_cast<int64_t>(i));  // before 1970
    c.mutable_created_at()->set_nanos(123456000);
    c.mutable_updated_at()->set_seconds(1700000000);
    hostile.push_back(c);
  }
  ASSERT_TRUE(repo_->Create(hostile[0]).ok());
  ASSERT_TRUE(repo_->CreateBatch(std::span(hostile).subspan(1)).ok());
  for (const Customer& c : hostile) ExpectStored(c);
  auto many = repo_->GetMany(ids);
  CHINOOK_ASSERT_OK(many);
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE((*many)[i].has_value()) << ids[i];
    EXPECT_TRUE(MessageDifferencer::Equals(*(*many)[i], hostile[i]));
  }
  auto page = repo_->List(kMaxPageSize, "");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->customers.size(), hostile.size());
  EXPECT_EQ(schema_->CountRows(), static_cast<int64_t>(hostile.size())) << "the table must still be there";
}

TEST_P(RepositoryTest, LargestValidCustomerRoundTrips) {
  Customer c = Corpus(1)[0];
  std::string id;
  for (int i = 0; i < 64; ++i) id += "\U0001F600";
  c.set_id(id);
  c.set_name(std::string(1024, '\''));
  c.set_phone("+" + std::string(15, '9'));
  c.mutable_metadata()->clear();
  for (int i = 0; i < 64; ++i) (*c.mutable_metadata())[std::to_string(100 + i)] = std::string(125, '"');
  Customer older = Corpus(2)[1];
  older.mutable_created_at()->set_seconds(c.created_at().seconds() - 1);
  ASSERT_TRUE(repo_->CreateBatch(std::vector<Customer>{c, older}).ok());
  ExpectStored(c);
  auto page = repo_->List(1, "");  // the cursor carries the 64-character id
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->customers.size(), 1u);
  EXPECT_EQ(page->customers[0].id(), c.id());
  auto next = repo_->List(1, page->next_cursor);
  CHINOOK_ASSERT_OK(next);
  ASSERT_EQ(next->customers.size(), 1u);
  EXPECT_EQ(next->customers[0].id(), older.id());
  EXPECT_TRUE(next->next_cursor.empty());
}

TEST_P(RepositoryTest, InvalidInputIsRejectedBeforeAnySql) {
  const RepositoryStats before = repo_->Stats();
  Customer bad = Corpus(1)[0];
  bad.set_email("not-an-email");
  Status s = repo_->Create(bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "email: missing '@'");
  EXPECT_EQ(repo_->Update(bad).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->GetByID("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->GetByID(std::string(65, 'x')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->Delete("bad\xff").code(), StatusCode::kInvalidArgument);
  std::vector<std::string> ids = {"ok", ""};
  auto many = repo_->GetMany(ids);
  EXPECT_EQ(many.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(many.status().message(), "ids[1]: id: empty");
  EXPECT_EQ(repo_->List(0, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->List(kMaxPageSize + 1, "").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->ListOffset(10, -1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(repo_->Stats().statements, before.statements) << "validation failures must not reach the server";
}

TEST_P(RepositoryTest, BatchWithOneInvalidRowStoresNothing) {
  std::vector<Customer> batch = Corpus(50);
  batch[17].set_phone("12345");
  Status s = repo_->CreateBatch(batch);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "row 17: phone: not E.164: must start with '+'");
  batch[17].set_phone("");
  batch[30].set_id(batch[2].id());
  s = repo_->CreateBatch(batch);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "row 30: id: same id as row 2");
  EXPECT_EQ(schema_->CountRows(), 0);
}

TEST_P(RepositoryTest, BatchFailingHalfWayOnTheServerStoresNothing) {
  std::vector<Customer> batch = Corpus(600);
  ASSERT_TRUE(repo_->Create(batch[450]).ok());  // the server finds the clash only at row 450
  Status s = repo_->CreateBatch(batch);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_EQ(pg::SqlStateOf(s), "23505");
  EXPECT_EQ(schema_->CountRows(), 1) << "rows before the clash must not be stored";
  EXPECT_TRUE(repo_->CreateBatch({}).ok());
  batch.erase(batch.begin() + 450);
  ASSERT_TRUE(repo_->CreateBatch(batch).ok());
  EXPECT_EQ(schema_->CountRows(), 600);
  ExpectStored(batch[0]);
  ExpectStored(batch.back());
}

TEST_P(RepositoryTest, GetManyIsAlignedWithTheRequest) {
  std::vector<Customer> stored = Corpus(20);
  ASSERT_TRUE(repo_->CreateBatch(stored).ok());
  std::vector<std::string> ids = {stored[5].id(), "missing-1", stored[0].id(), stored[5].id(), "missing-2",
                                  stored[19].id()};
  auto got = repo_->GetMany(ids);
  CHINOOK_ASSERT_OK(got);
  ASSERT_EQ(got->size(), ids.size());
  EXPECT_FALSE((*got)[1].has_value());
  EXPECT_FALSE((*got)[4].has_value());
  for (size_t i : {0, 2, 3, 5}) {
    ASSERT_TRUE((*got)[i].has_value()) << i;
    EXPECT_EQ((*got)[i]->id(), ids[i]);
  }
  EXPECT_TRUE(MessageDifferencer::Equals(*(*got)[3], stored[5]));
  auto none = repo_->GetMany({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_P(RepositoryTest, UpdateAndDelete) {
  Customer c = Corpus(1)[0];
  ASSERT_TRUE(repo_->Create(c).ok());
  Customer changed = c;
  changed.set_email("new@example.org");
  changed.set_name("New Name");
  changed.clear_phone();
  changed.mutable_metadata()->clear();
  (*changed.mutable_metadata())["k"] = "v";
  changed.mutable_updated_at()->set_seconds(c.updated_at().seconds() + 10);
  changed.mutable_created_at()->set_seconds(1);  // ignored: created_at is kept
  ASSERT_TRUE(repo_->Update(changed).ok());
  changed.mutable_created_at()->CopyFrom(c.created_at());
  ExpectStored(changed);
  Customer ghost = Corpus(2)[1];
  EXPECT_EQ(repo_->Update(ghost).code(), StatusCode::kNotFound);
  ASSERT_TRUE(repo_->Delete(c.id()).ok());
  EXPECT_FALSE(repo_->GetByID(c.id())->has_value());
  EXPECT_EQ(repo_->Delete(c.id()).code(), StatusCode::kNotFound);
}

TEST_P(RepositoryTest, UnsetTimestampsAreNowAndNanosAreTruncated) {
  Customer c = Corpus(1)[0];
  c.clear_created_at();
  c.mutable_updated_at()->set_nanos(123456789);
  const int64_t before = std::time(nullptr);
  ASSERT_TRUE(repo_->Create(c).ok());
  auto got = repo_->GetByID(c.id());
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_GE((*got)->created_at().seconds(), before - 1);
  EXPECT_LE((*got)->created_at().seconds(), std::time(nullptr) + 1);
  EXPECT_EQ((*got)->updated_at().nanos(), 123456000);
}

TEST_P(RepositoryTest, KeysetPagesVisitEveryCustomerOnceInOrder) {
  std::vector<Customer> stored = Corpus(57);
  for (size_t i = 0; i < stored.size(); i += 3) {  // ties on created_at: the id breaks them
    stored[i].mutable_created_at()->set_seconds(1600000000);
    stored[i].mutable_created_at()->set_nanos(0);
  }
  ASSERT_TRUE(repo_->CreateBatch(stored).ok());
  std::vector<std::string> keyset;
  std::string cursor;
  int pages = 0;
  do {
    auto page = repo_->List(10, cursor);
    CHINOOK_ASSERT_OK(page);
    ASSERT_LE(page->customers.size(), 10u);
    for (const Customer& c : page->customers) keyset.push_back(c.id());
    cursor = page->next_cursor;
    ASSERT_LT(++pages, 100);
  } while (!cursor.empty());
  EXPECT_EQ(pages, 6) << "57 rows in pages of 10, and no empty last page";
  std::vector<std::string> offset;
  for (int at = 0; at < 57; at += 10) {
    auto rows = repo_->ListOffset(10, at);
    ASSERT_TRUE(rows.ok());
    for (const Customer& c : *rows) offset.push_back(c.id());
  }
  EXPECT_EQ(keyset, offset);
  EXPECT_EQ(std::set<std::string>(keyset.begin(), keyset.end()).size(), stored.size());
  auto all = repo_->List(kMaxPageSize, "");
  ASSERT_TRUE(all.ok());
  for (size_t i = 1; i < all->customers.size(); ++i) {
    const Customer& a = all->customers[i - 1];
    const Customer& b = all->customers[i];
    const auto ka = std::make_tuple(a.created_at().seconds(), a.created_at().nanos(), a.id());
    const auto kb = std::make_tuple(b.created_at().seconds(), b.created_at().nanos(), b.id());
    EXPECT_GT(ka, kb) << "newest first, id descending on ties";
  }
  EXPECT_TRUE(all->next_cursor.empty());
}

TEST_P(RepositoryTest, GarbageCursorIsInvalidArgument) {
  ASSERT_TRUE(repo_->CreateBatch(Corpus(5)).ok());
  auto page = repo_->List(2, "");
  ASSERT_TRUE(page.ok());
  ASSERT_FALSE(page->next_cursor.empty());
  std::string tampered = page->next_cursor;
  tampered[tampered.size() / 2] ^= 1;
  for (const std::string& bad : {std::string("garbage"), std::string("'; DROP TABLE customers; --"),
                                 std::string(100000, 'A'), tampered, std::string("\xff\xfe"),
                                 page->next_cursor.substr(1)}) {
    auto r = repo_->List(2, bad);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad.substr(0, 40);
  }
  EXPECT_TRUE(repo_->List(2, page->next_cursor).ok());
}

TEST_P(RepositoryTest, StatementsPerOperation) {
  std::vector<Customer> batch = Corpus(100);
  RepositoryStats before = repo_->Stats();
  ASSERT_TRUE(repo_->CreateBatch(batch).ok());
  RepositoryStats after = repo_->Stats();
  const uint64_t batch_statements = after.statements - before.statements;
  std::vector<std::string> ids;
  for (const Customer& c : batch) ids.push_back(c.id());
  before = after;
  ASSERT_TRUE(repo_->GetMany(ids).ok());
  after = repo_->Stats();
  const uint64_t get_many_statements = after.statements - before.statements;
  const uint64_t get_many_round_trips = after.round_trips - before.round_trips;
  EXPECT_EQ(after.rows_read - before.rows_read, 100u);
  switch (GetParam()) {
    case Kind::kNaive:
      EXPECT_EQ(batch_statements, 102u);  // BEGIN, 100 INSERTs, COMMIT
      EXPECT_EQ(get_many_statements, 100u);
      EXPECT_EQ(get_many_round_trips, 100u);
      break;
    case Kind::kOptimized:
      EXPECT_EQ(batch_statements, 1u);  // one COPY
      EXPECT_EQ(get_many_statements, 1u);
      EXPECT_EQ(get_many_round_trips, 1u);
      break;
    case Kind::kOptimizedPipelined:
      EXPECT_EQ(batch_statements, 1u);
      EXPECT_EQ(get_many_statements, 100u);
      EXPECT_EQ(get_many_round_trips, 1u);
      break;
  }
}

TEST_P(RepositoryTest, MigrationIsIdempotent) {
  auto again = testing::MakeRepository(GetParam(), pool_, schema_->name());
  CHINOOK_ASSERT_OK(again);
  auto versions = pg::testing::AdminExec(
      dsn_, "SELECT count(*) || ':' || max(version) FROM \"" + schema_->name() + "\".schema_migrations");
  CHINOOK_ASSERT_OK(versions);
  const std::string latest = std::to_string(LatestSchemaVersion());
  EXPECT_EQ(*versions, latest + ":" + latest);
}

INSTANTIATE_TEST_SUITE_P(Implementations, RepositoryTest,
                         ::testing::Values(Kind::kNaive, Kind::kOptimized, Kind::kOptimizedPipelined), TestName);

TEST(RepositoryFactoryTest, RejectsBadArguments) {
  EXPECT_EQ(NewOptimizedRepository(nullptr).status().code(), StatusCode::kInvalidArgument);
  auto pool = pg::ConnectionPool::Create({.dsn = "host=127.0.0.1"});
  ASSERT_TRUE(pool.ok());
  for (const char* schema : {"", "Bad", "a-b", "x\"; DROP SCHEMA public; --", "1abc"}) {
    EXPECT_EQ(NewNaiveRepository(*pool, {.schema = schema}).status().code(), StatusCode::kInvalidArgument) << schema;
  }
}

TEST(OptimizedRepositoryTest, CopyInSmallChunksStoresEveryRow) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  testing::ScopedSchema schema(dsn, "chinook_t");
  auto pool = pg::ConnectionPool::Create({.dsn = dsn, .max_open = 1});
  ASSERT_TRUE(pool.ok());
  auto repo = NewOptimizedRepository(*pool, {.schema = schema.name()}, {.copy_chunk_bytes = 1});
  CHINOOK_ASSERT_OK(repo);
  const auto batch = ::chinook::workload::MakeCorpus(300, {.seed = 3});
  ASSERT_TRUE((*repo)->CreateBatch(batch).ok());
  EXPECT_EQ(schema.CountRows(), 300);
  auto last = (*repo)->GetByID(batch.back().id());
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**last, batch.back()));
}

}  // namespace
}  // namespace chinook::repository
