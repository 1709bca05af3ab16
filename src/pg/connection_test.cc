#include "pg/connection.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <string>

#include "pg/wire.h"
#include "testing/service_env.h"
#include "testing/status_matchers.h"
#include "testing/tcp_proxy.h"

namespace chinook::pg {
namespace {

using std::chrono::milliseconds;

Deadline In(milliseconds ms) { return SteadyClock::now() + ms; }

TEST(SqlStateTest, MapsClassesToCodes) {
  EXPECT_EQ(CodeForSqlState("23505"), StatusCode::kAlreadyExists);
  EXPECT_EQ(CodeForSqlState("23502"), StatusCode::kInvalidArgument);  // not_null_violation
  EXPECT_EQ(CodeForSqlState("22012"), StatusCode::kInvalidArgument);  // division_by_zero
  EXPECT_EQ(CodeForSqlState("57014"), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(CodeForSqlState("57P01"), StatusCode::kUnavailable);  // admin_shutdown
  EXPECT_EQ(CodeForSqlState("08006"), StatusCode::kUnavailable);
  EXPECT_EQ(CodeForSqlState("40001"), StatusCode::kUnavailable);
  EXPECT_EQ(CodeForSqlState("53300"), StatusCode::kResourceExhausted);
  EXPECT_EQ(CodeForSqlState("42601"), StatusCode::kInternal);
  EXPECT_EQ(CodeForSqlState("bogus"), StatusCode::kInternal);
}

TEST(ParamsTest, EncodesBinaryValues) {
  Params p;
  p.AddText("");
  p.AddNullText();
  p.AddInt64(-2);
  p.AddTimestampMicros(kPgEpochUnixMicros + 5);
  p.AddTextArray({"ab", "c"});
  ASSERT_EQ(p.size(), 5);
  const char* const* v = p.values();
  EXPECT_NE(v[0], nullptr) << "an empty string must not become SQL NULL";
  EXPECT_EQ(p.lengths()[0], 0);
  EXPECT_EQ(v[1], nullptr);
  EXPECT_EQ(ReadBigEndian64(v[2]), -2);
  EXPECT_EQ(ReadBigEndian64(v[3]), 5);
  // ndim 1, no nulls, text, 2 elements from 1, then "ab" and "c" with lengths.
  ASSERT_EQ(p.lengths()[4], 20 + 4 + 2 + 4 + 1);
  EXPECT_EQ(ReadBigEndian32(v[4]), 1);
  EXPECT_EQ(ReadBigEndian32(v[4] + 8), static_cast<int32_t>(kOidText));
  EXPECT_EQ(ReadBigEndian32(v[4] + 12), 2);
  EXPECT_EQ(std::string(v[4] + 24, 2), "ab");
  for (int i = 0; i < p.size(); ++i) EXPECT_EQ(p.formats()[i], 1);
}

TEST(ConnectionTest, BinaryParametersRoundTrip) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  auto conn = Connection::Open(dsn, In(milliseconds(5000)));
  CHINOOK_ASSERT_OK(conn);
  Params p;
  const std::string hostile = "'; DROP TABLE customers; --\\\"\n";
  p.AddText(hostile);
  p.AddJsonb(R"({"k": "v\"q"})");
  p.AddTimestampMicros(1700000000123456);
  p.AddTextArray({"x", "", "y'z"});
  auto r = (*conn)->ExecParams(
      "SELECT $1::text, $2->>'k', extract(epoch from $3)::numeric * 1000000, array_length($4, 1), $4[3]", p,
      Format::kText, In(milliseconds(5000)));
  CHINOOK_ASSERT_OK(r);
  EXPECT_EQ(PQgetvalue(r->get(), 0, 0), hostile);
  EXPECT_STREQ(PQgetvalue(r->get(), 0, 1), "v\"q");
  EXPECT_STREQ(PQgetvalue(r->get(), 0, 2), "1700000000123456.000000");
  EXPECT_STREQ(PQgetvalue(r->get(), 0, 3), "3");
  EXPECT_STREQ(PQgetvalue(r->get(), 0, 4), "y'z");
}

TEST(ConnectionTest, ServerErrorsCarrySqlState) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  auto conn = Connection::Open(dsn, In(milliseconds(5000)));
  CHINOOK_ASSERT_OK(conn);
  auto r = (*conn)->Exec("SELECT 1/0", In(milliseconds(5000)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pg::SqlStateOf(r.status()), "22012");
  EXPECT_NE(r.status().message().find("division by zero"), std::string::npos) << r.status().ToString();
  auto syntax = (*conn)->Exec("SELEC 1", In(milliseconds(5000)));
  EXPECT_EQ(pg::SqlStateOf(syntax.status()), "42601");
  EXPECT_FALSE((*conn)->broken()) << "a statement error leaves the connection usable";
  EXPECT_TRUE((*conn)->Exec("SELECT 1", In(milliseconds(5000))).ok());
}

TEST(ConnectionTest, PipelineReturnsResultsInOrderAndPreparesOnce) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  auto conn = Connection::Open(dsn, In(milliseconds(5000)));
  CHINOOK_ASSERT_OK(conn);
  StatementSpec stmt{"chinook_test_echo", "SELECT $1::text || '!'", {kOidText}};
  std::vector<std::string> words = {"a", "b", "c'", ""};
  std::vector<Params> params(words.size());
  for (size_t i = 0; i < words.size(); ++i) params[i].AddText(words[i]);
  for (int round = 0; round < 2; ++round) {
    auto results = (*conn)->ExecPipelined(stmt, params, Format::kText, In(milliseconds(5000)));
    CHINOOK_ASSERT_OK(results);
    ASSERT_EQ(results->size(), words.size());
    for (size_t i = 0; i < words.size(); ++i) EXPECT_EQ(PQgetvalue((*results)[i].get(), 0, 0), words[i] + "!");
  }
  // A failing statement fails the pipeline as a whole and leaves the connection usable.
  StatementSpec bad{"chinook_test_div", "SELECT 1 / $1::int8", {kOidInt8}};
  std::vector<Params> divisors(3);
  divisors[0].AddInt64(1);
  divisors[1].AddInt64(0);
  divisors[2].AddInt64(2);
  auto failed = (*conn)->ExecPipelined(bad, divisors, Format::kText, In(milliseconds(5000)));
  EXPECT_EQ(pg::SqlStateOf(failed.status()), "22012");
  EXPECT_FALSE((*conn)->broken());
  EXPECT_TRUE((*conn)->ExecPrepared(stmt, params[0], Format::kText, In(milliseconds(5000))).ok());
}

TEST(ConnectionTest, CopyAbortedHalfWayStoresNothing) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  auto conn = Connection::Open(dsn, In(milliseconds(5000)));
  CHINOOK_ASSERT_OK(conn);
  ASSERT_TRUE((*conn)->Exec("CREATE TEMP TABLE copy_target (x text)", In(milliseconds(5000))).ok());
  int chunks = 0;
  std::string line;
  auto next = [&](std::string_view* out) -> Status {
    if (++chunks == 5) return DataLossError("source broke at chunk 5");
    line = "row " + std::to_string(chunks) + "\n";
    *out = line;
    return Status::Ok();
  };
  auto copied = (*conn)->CopyIn("COPY copy_target FROM STDIN", next, In(milliseconds(5000)));
  ASSERT_FALSE(copied.ok());
  EXPECT_EQ(copied.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(copied.status().message().find("chunk 5"), std::string::npos);
  auto count = (*conn)->Exec("SELECT count(*) FROM copy_target", In(milliseconds(5000)));
  CHINOOK_ASSERT_OK(count);
  EXPECT_STREQ(PQgetvalue(count->get(), 0, 0), "0");

  chunks = 0;
  auto complete = [&](std::string_view* out) -> Status {
    line = ++chunks <= 3 ? "row " + std::to_string(chunks) + "\n" : "";
    *out = line;
    return Status::Ok();
  };
  auto ok = (*conn)->CopyIn("COPY copy_target FROM STDIN", complete, In(milliseconds(5000)));
  CHINOOK_ASSERT_OK(ok);
  EXPECT_EQ(*ok, 3);
}

TEST(ConnectionTest, StatementPastItsDeadlineFailsAndBreaksTheConnection) {
  CHINOOK_REQUIRE_ENV(dsn, ::chinook::workload::kPgDsnVar);
  auto conn = Connection::Open(dsn, In(milliseconds(5000)));
  CHINOOK_ASSERT_OK(conn);
  const auto start = SteadyClock::now();
  auto r = (*conn)->Exec("SELECT pg_sleep(3)", In(milliseconds(200)));
  const auto took = SteadyClock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDeadlineExceeded) << r.status().ToString();
  EXPECT_LT(took, milliseconds(2000));
  EXPECT_TRUE((*conn)->broken());
}

TEST(ConnectionTest, UnreachableServerIsUnavailableWithinTheDeadline) {
  ::chinook::testing::SilentListener silent;
  const auto start = SteadyClock::now();
  auto hung = Connection::Open("host=127.0.0.1 port=" + std::to_string(silent.port()) + " dbname=x user=x",
                               In(milliseconds(300)));
  EXPECT_EQ(hung.status().code(), StatusCode::kUnavailable) << hung.status().ToString();
  EXPECT_LT(SteadyClock::now() - start, milliseconds(2000));

  const int closed = ::chinook::testing::ClosedPort();
  auto refused = Connection::Open("host=127.0.0.1 port=" + std::to_string(closed) + " dbname=x",
                                  In(milliseconds(5000)));
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("127.0.0.1"), std::string::npos) << refused.status().ToString();
}

}  // namespace
}  // namespace chinook::pg
