// Tests of glob.h: whole-name matching and the captures that pair a ratio gate's benchmarks.
#include "glob.h"

#include <gtest/gtest.h>

#include <string>

namespace chinook::compare {
namespace {

TEST(GlobTest, MatchesWholeNameAndCaptures) {
  EXPECT_TRUE(GlobMatch("BM_Repo_*", "BM_Repo_GetMany/100"));
  EXPECT_FALSE(GlobMatch("BM_Repo_*", "XBM_Repo_Get"));
  EXPECT_TRUE(GlobMatch("BM_Serialize_Naive", "BM_Serialize_Naive"));
  EXPECT_FALSE(GlobMatch("BM_Serialize_Naive", "BM_Serialize_Naive/8"));
  EXPECT_TRUE(GlobMatch("BM_?", "BM_x"));
  EXPECT_TRUE(GlobMatch("*", ""));
  std::string a, b;
  ASSERT_TRUE(GlobMatch("BM_Fast/*/threads:*", "BM_Fast/64/threads:2", &a));
  ASSERT_TRUE(GlobMatch("BM_Slow/*/threads:*", "BM_Slow/64/threads:2", &b));
  EXPECT_EQ(a, b);
  ASSERT_TRUE(GlobMatch("BM_Slow/*/threads:*", "BM_Slow/8/threads:2", &b));
  EXPECT_NE(a, b);
}

TEST(GlobTest, StarMatchesSlashesAndEmptyRuns) {
  EXPECT_TRUE(GlobMatch("BM_*", "BM_"));
  EXPECT_TRUE(GlobMatch("BM_*/8", "BM_Repo/Get/8"));
  EXPECT_TRUE(GlobMatch("**", "anything"));
  EXPECT_FALSE(GlobMatch("", "x"));
  EXPECT_TRUE(GlobMatch("", ""));
}

TEST(GlobTest, QuestionMarkIsExactlyOneCharacter) {
  EXPECT_FALSE(GlobMatch("BM_?", "BM_"));
  EXPECT_FALSE(GlobMatch("BM_?", "BM_xy"));
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
