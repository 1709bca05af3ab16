#include "common/utf8.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

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


// The longest valid prefix by DecodeUtf8 alone, one code point at a time: the reference the fast
// paths must agree with.
size_t ReferencePrefix(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && DecodeUtf8(s, &i) >= 0) {
  }
  return i;
}

// Every length from 0 to 40 (the 1-3, 4-7 and 8+ byte load shapes and the tails between words),
// with a malformed sequence at every position and a well-formed multi-byte one at every position.
// Each string sits in an allocation of exactly its size, so a sanitizer build catches any read
// outside it.
TEST(Utf8Test, FastPathAgreesWithTheReferenceAtEveryLengthAndPosition) {
  const std::vector<std::string> bad = {"\xFF", "\x80", "\xC3", "\xC0\xAF", "\xC3" "A", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                        "\xE2\x82"};
  const std::vector<std::string> good = {"\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\x7F"};
  auto check = [](const std::string& text) {
    auto exact = std::make_unique<char[]>(text.size() + 1);  // +1: new char[0] is not a buffer to point into
    std::memcpy(exact.get(), text.data(), text.size());
    const std::string_view s(exact.get(), text.size());
    const size_t want = ReferencePrefix(s);
    EXPECT_EQ(ValidUtf8PrefixFast(s), want) << "length " << s.size();
    EXPECT_EQ(ValidUtf8Prefix(s), want) << "length " << s.size();
  };
  int checked = 0;
  for (size_t len = 0; len <= 40; ++len) {
    const std::string ascii(len, 'a');
    check(ascii);
    EXPECT_EQ(ValidUtf8PrefixFast(ascii), len);
    for (size_t at = 0; at <= len; ++at) {
      for (const std::string& seq : bad) {
        const std::string text = ascii.substr(0, at) + seq + ascii.substr(at);
        check(text);
        EXPECT_LT(ValidUtf8PrefixFast(text), text.size()) << "bad sequence at " << at << " of " << text.size();
        ++checked;
      }
      for (const std::string& seq : good) {
        const std::string text = ascii.substr(0, at) + seq + ascii.substr(at);
        check(text);
        EXPECT_EQ(ValidUtf8PrefixFast(text), text.size()) << "good sequence at " << at;
        // Two-byte sequences back to back, as in "Ünïcödé" (the inline two-byte path).
        check(text + seq + seq);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 10000);
}

}  // namespace
}  // namespace chinook
