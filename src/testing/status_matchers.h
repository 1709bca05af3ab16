// GoogleTest support for Status and Result (Abseil's status_matchers, in small).
//
//   CHINOOK_ASSERT_OK(pool);     // pool is a Status or any Result<T>
//   CHINOOK_EXPECT_OK(repo->Create(c));
//   CHINOOK_ASSERT_OK_AND_ASSIGN(auto conn, Connection::Open(dsn, deadline));
//
// On failure they print the expression and its error ("pool is not OK: Unavailable: ..."), which
// the hand-written `ASSERT_TRUE(x.ok()) << x.status().ToString()` they replace had to spell out.
// Test-only: includes gtest.
#ifndef CHINOOK_SRC_TESTING_STATUS_MATCHERS_H_
#define CHINOOK_SRC_TESTING_STATUS_MATCHERS_H_

#include <gtest/gtest.h>

#include "chinook/status.h"

namespace chinook::status_matchers {

inline const Status& StatusOf(const Status& status) { return status; }
template <typename T>
const Status& StatusOf(const Result<T>& result) {
  return result.status();
}

// The predicate-formatter behind CHINOOK_ASSERT_OK / CHINOOK_EXPECT_OK.
template <typename T>
::testing::AssertionResult IsOk(const char* text, const T& value) {
  const Status& status = StatusOf(value);
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << text << " is not OK: " << status.ToString();
}

}  // namespace chinook::status_matchers

#define CHINOOK_ASSERT_OK(expr) ASSERT_PRED_FORMAT1(::chinook::status_matchers::IsOk, expr)
#define CHINOOK_EXPECT_OK(expr) EXPECT_PRED_FORMAT1(::chinook::status_matchers::IsOk, expr)

// Asserts that `expr` (a Result) is OK and moves its value into `lhs`, which may declare a
// variable. Usable only in functions returning void, as ASSERT_* are.
#define CHINOOK_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  CHINOOK_ASSERT_OK_AND_ASSIGN_IMPL_(CHINOOK_STATUS_CONCAT_(chinook_assert_result_, __LINE__), lhs, expr)
#define CHINOOK_ASSERT_OK_AND_ASSIGN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                       \
  CHINOOK_ASSERT_OK(result);                                  \
  lhs = std::move(result).value()

#endif  // CHINOOK_SRC_TESTING_STATUS_MATCHERS_H_
