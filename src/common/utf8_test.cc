#include "common/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace chinook {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii, longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("Zoë Łukasz 山田 😀"));
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("nul\0inside", 10)));
}

TEST(Utf8Test, RejectsMalformedSequencesAtTheRightByte) {
  EXPECT_EQ(ValidUtf8Prefix("abc\xFFxyz"), 3u);                 // never valid
  EXPECT_EQ(ValidUtf8Prefix("abcdefghij\xC3"), 10u);            // truncated two-byte
  EXPECT_EQ(ValidUtf8Prefix("\xC0\xAF"), 0u);                   // overlong '/'
  EXPECT_EQ(ValidUtf8Prefix("\xE0\x80\xAF"), 0u);               // overlong three-byte
  EXPECT_EQ(ValidUtf8Prefix("ok\xED\xA0\x80"), 2u);             // surrogate U+D800
  EXPECT_EQ(ValidUtf8Prefix("\xF4\x90\x80\x80"), 0u);           // above U+10FFFF
  EXPECT_EQ(ValidUtf8Prefix("\xE2\x82"), 0u);                   // truncated three-byte
  EXPECT_EQ(ValidUtf8Prefix("\xE2\x28\xA1"), 0u);               // bad continuation
  EXPECT_EQ(ValidUtf8Prefix("12345678\x80"), 8u);               // lone continuation after fast path
}

TEST(Utf8Test, DecodesCodePointsAndStopsAtMalformedOnes) {
  const std::string s = "a\u00e9\u4e2d\U0001F600\xC0\xAF";
  size_t i = 0;
  EXPECT_EQ(DecodeUtf8(s, &i), 'a');
  EXPECT_EQ(DecodeUtf8(s, &i), 0xE9);
  EXPECT_EQ(DecodeUtf8(s, &i), 0x4E2D);
  EXPECT_EQ(DecodeUtf8(s, &i), 0x1F600);
  EXPECT_EQ(i, 10u);
  EXPECT_EQ(DecodeUtf8(s, &i), -1);  // overlong '/': not consumed
  EXPECT_EQ(i, 10u);
  i = 0;
  EXPECT_EQ(DecodeUtf8("\xE2\x80\xAE", &i), 0x202E);
}

}  // namespace
}  // namespace chinook
