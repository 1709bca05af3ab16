#include "chinook/status.h"

#include <gtest/gtest.h>

namespace chinook {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeMessageAndSqlState) {
  Status s = AlreadyExistsError("customer c1").WithSqlState("23505");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.ToString(), "AlreadyExists [SQLSTATE 23505]: customer c1");
  EXPECT_EQ(s.Annotate("row 3").message(), "row 3: customer c1");
  EXPECT_EQ(s.Annotate("row 3").sqlstate(), "23505");
}

Result<int> Half(int x) {
  if (x % 2) return InvalidArgumentError("odd: " + std::to_string(x));
  return x / 2;
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
