// Tests of glob.h: whole-name matching and the captures that pair a ratio gate's benchmarks.
#include "glob.h"

#include <gtest/gtest.h>

#include <string>

namespace chinook::compare {
namespace {

// A pattern and a name: the cases of whole-name matching, as two tables (the names a pattern
// matches, the names it must not).
struct NameCase {
  const char* pattern;
  const char* name;
};
void PrintTo(const NameCase& c, std::ostream* os) { *os << "'" << c.pattern << "' against '" << c.name << "'"; }

class GlobMatches : public ::testing::TestWithParam<NameCase> {};
class GlobRejects : public ::testing::TestWithParam<NameCase> {};

TEST_P(GlobMatches, TheWholeName) { EXPECT_TRUE(GlobMatch(GetParam().pattern, GetParam().name)); }
TEST_P(GlobRejects, TheName) { EXPECT_FALSE(GlobMatch(GetParam().pattern, GetParam().name)); }

INSTANTIATE_TEST_SUITE_P(GlobTest, GlobMatches,
                         ::testing::Values(NameCase{"BM_Repo_*", "BM_Repo_GetMany/100"},
                                           NameCase{"BM_Serialize_Naive", "BM_Serialize_Naive"},
                                           NameCase{"*", ""},
                                           // A star matches slashes and empty runs.
                                           NameCase{"BM_*", "BM_"},
                                           NameCase{"BM_*/8", "BM_Repo/Get/8"},
                                           NameCase{"**", "anything"},
                                           NameCase{"", ""},
                                           // A question mark is exactly one character.
                                           NameCase{"BM_?", "BM_x"}));
// Matching is of the whole name: not a prefix or a suffix of it, and no character more or less.
INSTANTIATE_TEST_SUITE_P(GlobTest, GlobRejects,
                         ::testing::Values(NameCase{"BM_Repo_*", "XBM_Repo_Get"},
                                           NameCase{"BM_Serialize_Naive", "BM_Serialize_Naive/8"},
                                           NameCase{"", "x"},
                                           NameCase{"BM_?", "BM_"},
                                           NameCase{"BM_?", "BM_xy"}));

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
