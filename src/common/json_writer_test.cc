#include "common/json_writer.h"

#include <gtest/gtest.h>

#include <rapidjson/writer.h>

#include <string>

namespace chinook {
namespace {

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted("plain"), "\"plain\"");
  EXPECT_EQ(Quoted("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quoted("\n\t\r"), "\"\\n\\t\\r\"");
  EXPECT_EQ(Quoted(std::string("\x01\x1f\0x", 4)), "\"\\u0001\\u001F\\u0000x\"");
  EXPECT_EQ(Quoted(""), "\"\"");
}

TEST(JsonWriterTest, KeepsValidUtf8AndReplacesEachInvalidByte) {
  EXPECT_EQ(Quoted("Ünïcödé 山田 😀"), "\"Ünïcödé 山田 😀\"");
  // A stray byte, an overlong '/', an encoded surrogate, a truncated sequence at the end.
  EXPECT_EQ(Quoted("a\xFF" "b"), "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_EQ(Quoted("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(Quoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(Quoted("\xE4\xB8"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  std::string scratch;
  const std::string valid = "ok \xC3\xA9";
  EXPECT_EQ(ReplaceInvalidUtf8(valid, &scratch).data(), valid.data()) << "valid text is not copied";
  EXPECT_TRUE(scratch.empty());
}

// The plain-text shortcut and rapidjson's Writer put the same bytes, for every ASCII byte and a
// multi-byte sequence, alone and inside text.
TEST(JsonWriterTest, ShortcutAndWriterAgreeOnEveryByte) {
  for (int b = 0; b < 0x80; ++b) {
    for (const std::string& s : {std::string(1, static_cast<char>(b)), "ab" + std::string(1, static_cast<char>(b)) + "\xC3\xA9z"}) {
      std::string expected;
      JsonStringStream stream(&expected);
      rapidjson::Writer<JsonStringStream> writer(stream);
      writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
      EXPECT_EQ(Quoted(s), expected) << "byte " << b;
    }
  }
}

TEST(JsonWriterTest, AppendsToWhatIsThere) {
  std::string out = "{";
  AppendJsonString("k", &out);
  out += ':';
  AppendJsonString("v", &out);
  EXPECT_EQ(out, "{\"k\":\"v\"");
}

}  // namespace
}  // namespace chinook
