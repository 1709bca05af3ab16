#include "chinook/status.h"

#include <gtest/gtest.h>

namespace chinook {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeMessageAndPayloads) {
  Status s = AlreadyExistsError("customer c1");
  s.SetPayload("pg.sqlstate", "23505");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.ToString(), "AlreadyExists [pg.sqlstate=23505]: customer c1");
  EXPECT_EQ(s.Annotate("row 3").message(), "row 3: customer c1");
  EXPECT_EQ(s.Annotate("row 3").GetPayload("pg.sqlstate"), "23505");
  EXPECT_EQ(s.GetPayload("other"), std::nullopt);
  s.SetPayload("pg.sqlstate", "23503");  // replaces
  EXPECT_EQ(s.GetPayload("pg.sqlstate"), "23503");
  Status ok;
  ok.SetPayload("pg.sqlstate", "23505");  // an OK Status carries nothing
  EXPECT_EQ(ok.GetPayload("pg.sqlstate"), std::nullopt);
}

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgumentError("odd: " + std::to_string(x));
  return x / 2;
}

Result<int> Quarter(int x) {
  CHINOOK_ASSIGN_OR_RETURN(const int half, Half(x));
  CHINOOK_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

Status QuarterInto(int x, int* out) {
  CHINOOK_ASSIGN_OR_RETURN(*out, Quarter(x));
  return Status::Ok();
}

TEST(ResultTest, AssignOrReturnPassesValuesAndReturnsErrors) {
  ASSERT_TRUE(Quarter(8).ok());
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().message(), "odd: 3");
  int out = 0;
  EXPECT_TRUE(QuarterInto(12, &out).ok());
  EXPECT_EQ(out, 3);
  EXPECT_EQ(QuarterInto(5, &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out, 3);  // untouched on error
}

TEST(ResultTest, ValueOrAndResultFromOkStatus) {
  EXPECT_EQ(Half(4).value_or(-1), 2);
  EXPECT_EQ(Half(3).value_or(-1), -1);
  const Result<int> from_ok(Status::Ok());
  ASSERT_FALSE(from_ok.ok());
  EXPECT_EQ(from_ok.status().code(), StatusCode::kInternal);
}

TEST(ResultDeathTest, ValueOfAnErrorDiesNamingTheError) {
  const Result<int> r = Half(3);
  EXPECT_DEATH((void)r.value(), "Result::value\\(\\) on an error: InvalidArgument: odd: 3");
}

Status UseHalf(int x, int* out) {
  Result<int> r = Half(x);
  CHINOOK_RETURN_IF_ERROR(r.status());
  *out = *r;
  return Status::Ok();
}

TEST(ResultTest, HoldsValueOrError) {
  int out = 0;
  EXPECT_TRUE(UseHalf(8, &out).ok());
  EXPECT_EQ(out, 4);
  Status s = UseHalf(7, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "odd: 7");
}

}  // namespace
}  // namespace chinook
