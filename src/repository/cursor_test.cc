#include "repository/cursor.h"
#include "testing/status_matchers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace chinook::repository {
namespace {

TEST(CursorTest, RoundTrips) {
  for (int64_t t : {int64_t{0}, int64_t{-62135596800000000}, int64_t{1700000000123456}}) {
    for (const std::string& id : std::vector<std::string>{"a", "'; DROP TABLE customers; --", "😀 id", std::string(64, 'z')}) {
      const std::string c = EncodeCursor(t, id);
      for (char ch : c) EXPECT_TRUE(isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_') << c;
      auto pos = DecodeCursor(c);
      CHINOOK_ASSERT_OK(pos);
      EXPECT_EQ(pos->created_at_unix_micros, t);
      EXPECT_EQ(pos->id, id);
    }
  }
}

TEST(CursorTest, GarbageIsInvalidArgument) {
  const std::string good = EncodeCursor(1700000000123456, "cust-1");
  std::vector<std::string> bad = {"x", "garbage!", "====", "AAAAAAAAAAAAAAAAAAAAAAAA", std::string(10000, 'A'),
                                  "é", good.substr(0, good.size() - 1), good + "A", "null", "\x00\x01"};
  for (size_t i = 0; i < good.size(); ++i) {  // every single-character corruption
    std::string flipped = good;
    flipped[i] = flipped[i] == 'A' ? 'B' : 'A';
    bad.push_back(flipped);
  }
  for (const std::string& c : bad) {
    auto pos = DecodeCursor(c);
    EXPECT_EQ(pos.status().code(), StatusCode::kInvalidArgument) << c;
    if (!pos.ok()) {
      EXPECT_EQ(pos.status().message().rfind("cursor: ", 0), 0u);
    }
  }
}

}  // namespace
}  // namespace chinook::repository
