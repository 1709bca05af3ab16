// Tests of glob.h: whole-name matching and the captures that pair a ratio gate's benchmarks.
#include "glob.h"

#include <gtest/gtest.h>

#include <string>

namespace chinook::compare {
namespace {

// A pattern, a name, and whether the pattern matches the whole name.
struct MatchCase {
  const char* pattern;
  const char* name;
  bool matches;
};

class GlobMatchTest : public ::testing::TestWithParam<MatchCase> {};

TEST_P(GlobMatchTest, MatchesTheWholeNameOrNothing) {
  const MatchCase& c = GetParam();
  EXPECT_EQ(GlobMatch(c.pattern, c.name), c.matches) << "'" << c.pattern << "' against '" << c.name << "'";
}

INSTANTIATE_TEST_SUITE_P(GlobTest, GlobMatchTest,
                         ::testing::Values(
                             // The whole name, not a prefix or a suffix of it.
                             MatchCase{"BM_Repo_*", "BM_Repo_GetMany/100", true},
                             MatchCase{"BM_Repo_*", "XBM_Repo_Get", false},
                             MatchCase{"BM_Serialize_Naive", "BM_Serialize_Naive", true},
                             MatchCase{"BM_Serialize_Naive", "BM_Serialize_Naive/8", false},
                             MatchCase{"*", "", true},
                             // A star matches slashes and empty runs.
                             MatchCase{"BM_*", "BM_", true},
                             MatchCase{"BM_*/8", "BM_Repo/Get/8", true},
                             MatchCase{"**", "anything", true},
                             MatchCase{"", "x", false},
                             MatchCase{"", "", true},
                             // A question mark is exactly one character.
                             MatchCase{"BM_?", "BM_x", true},
                             MatchCase{"BM_?", "BM_", false},
                             MatchCase{"BM_?", "BM_xy", false}));

TEST(GlobTest, CapturesPairNamesThatDifferOnlyInTheLiteralParts) {
  std::string a, b;
  ASSERT_TRUE(GlobMatch("BM_Fast/*/threads:*", "BM_Fast/64/threads:2", &a));
  ASSERT_TRUE(GlobMatch("BM_Slow/*/threads:*", "BM_Slow/64/threads:2", &b));
  EXPECT_EQ(a, b);
  ASSERT_TRUE(GlobMatch("BM_Slow/*/threads:*", "BM_Slow/8/threads:2", &b));
  EXPECT_NE(a, b);
}

TEST(GlobTest, QuestionMarkCapturesItsCharacter) {
  std::string captured;
  ASSERT_TRUE(GlobMatch("a?c", "abc", &captured));
  EXPECT_EQ(captured, "b");
}

TEST(GlobTest, CapturesAreLeftmostShortestAndJoined) {
  std::string captured;
  ASSERT_TRUE(GlobMatch("*/*", "a/b/c", &captured));
  EXPECT_EQ(captured, std::string("a\x1f") + "b/c");
  ASSERT_TRUE(GlobMatch("BM_X", "BM_X", &captured));
  EXPECT_EQ(captured, "");  // no wildcards: nothing captured, and the old text is cleared
}

}  // namespace
}  // namespace chinook::compare
