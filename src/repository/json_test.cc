#include "repository/json.h"
#include "testing/status_matchers.h"

#include <gtest/gtest.h>

namespace chinook::repository {
namespace {

TEST(MetadataJsonTest, RoundTripsHostileStrings) {
  Metadata m;
  m["plain"] = "value";
  m["quote\"s"] = "back\\slash";
  m["ctl"] = std::string("\x01\n\t\x1f", 4);
  m["unicode"] = "Ünïcödé 山田 😀";
  m["json-looking"] = R"({"a": [1, 2]})";
  m["empty"] = "";
  std::string json;
  AppendMetadataJson(m, &json);
  Metadata back;
  ASSERT_TRUE(ParseMetadataJson(json, &back).ok()) << json;
  EXPECT_EQ(back.size(), m.size());
  for (const auto& [k, v] : m) EXPECT_EQ(back.at(k), v) << k;
}

TEST(MetadataJsonTest, ReadsWhatJsonbPrints) {
  Metadata m;
  ASSERT_TRUE(ParseMetadataJson(R"({"a": "b", "e": "\u00e9\ud83d\ude00\n\"\/"})", &m).ok());
  EXPECT_EQ(m.at("a"), "b");
  EXPECT_EQ(m.at("e"), "é😀\n\"/");
  ASSERT_TRUE(ParseMetadataJson("{}", &m).ok());
  EXPECT_TRUE(m.empty());
}

TEST(MetadataJsonTest, ReadsPlainObjectsInAnySpacing) {
  for (const char* json : {R"({"a": "b", "c": "Ünïcödé"})", R"({"a":"b","c":"Ünïcödé"})",
                           " \t{\n\"a\" :\r\"b\" ,\"c\":  \"Ünïcödé\"}\n "}) {
    Metadata m;
    m["stale"] = "x";
    ASSERT_TRUE(ParseMetadataJson(json, &m).ok()) << json;
    EXPECT_EQ(m.size(), 2u) << json;
    EXPECT_EQ(m.at("a"), "b") << json;
    EXPECT_EQ(m.at("c"), "Ünïcödé") << json;
  }
  Metadata m;
  ASSERT_TRUE(ParseMetadataJson(R"({"k": "first", "k": "last", "": ""})", &m).ok());
  EXPECT_EQ(m.at("k"), "last") << "a repeated key: the last one wins, as in jsonb";
  EXPECT_EQ(m.at(""), "");
  // Escapes after plain members: the whole object is read again by the general reader.
  ASSERT_TRUE(ParseMetadataJson(R"({"a": "b", "c": "d\u00e9", "e": "f"})", &m).ok());
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.at("c"), "dé");
}

TEST(MetadataJsonTest, SeesAnEscapeOrControlByteAtEveryOffset) {
  // The plain-string scan reads eight bytes at a time: put each stop byte at every position of a
  // word, after UTF-8 (high bytes must not be mistaken for stops), in a value of every length.
  for (size_t at = 0; at < 20; ++at) {
    const std::string before = std::string(at % 3, 'x') + "é" + std::string(at, 'y');
    const std::string after = "z😀" + std::string(at % 9, 'w');
    Metadata m;
    ASSERT_TRUE(ParseMetadataJson("{\"k\": \"" + before + "\\\"" + after + "\"}", &m).ok()) << at;
    EXPECT_EQ(m.at("k"), before + "\"" + after) << at;
    ASSERT_TRUE(ParseMetadataJson("{\"k\": \"" + before + "\\n" + after + "\"}", &m).ok()) << at;
    EXPECT_EQ(m.at("k"), before + "\n" + after) << at;
    ASSERT_TRUE(ParseMetadataJson("{\"" + before + "\": \"" + after + "\"}", &m).ok()) << at;
    EXPECT_EQ(m.at(before), after) << at;
    for (char control : {'\x01', '\x1f', '\n'}) {
      EXPECT_EQ(ParseMetadataJson("{\"k\": \"" + before + control + after + "\"}", &m).code(), StatusCode::kDataLoss)
          << at;
      EXPECT_TRUE(m.empty()) << at;
    }
  }
}

TEST(MetadataJsonTest, RejectsNonStringObjectsAsDataLoss) {
  Metadata m;
  for (const char* bad : {"", "[]", R"({"a": 1})", R"({"a": "b")", R"({"a" "b"})", R"({"a": "\ud800"})",
                          R"({"a": "b"} x)", R"({"a": "\x"})", R"({"a": {"b": "c"}})", R"({"a": ["b"]})",
                          R"("a")", R"({"a": "\udc00"})", "{\"a\": \"\xFF\"}", "{\"\xC0\xAF\": \"b\"}",
                          R"({"a": "b",})", R"({,})", R"({"a": "b" "c": "d"})", R"({"a": "b"}})", R"({"a"})",
                          R"({"a":})", R"({"a": "b)", "{", R"({"a": "b"} {})", "{\"a\": \"\tb\"}",
                          R"({"a": null})", R"({"a": "b", "c": 1})"}) {
    EXPECT_EQ(ParseMetadataJson(bad, &m).code(), StatusCode::kDataLoss) << bad;
    EXPECT_TRUE(m.empty()) << bad;
  }
  // A NUL byte is not the end of the text.
  const Status s = ParseMetadataJson(std::string("{\"a\": \"b\"}\0{}", 13), &m);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("trailing characters at byte 10"), std::string::npos) << s.message();
}

TEST(MetadataJsonTest, LongValuesSpillPastTheStackBuffer) {
  Metadata m;
  m["long"] = std::string(100000, 'x') + "\n\"";
  m["k"] = "v";
  std::string json;
  AppendMetadataJson(m, &json);
  Metadata back;
  ASSERT_TRUE(ParseMetadataJson(json, &back).ok());
  EXPECT_EQ(back.at("long"), m.at("long"));
  EXPECT_EQ(back.at("k"), "v");
}

TEST(JsonTest, ParsesPlans) {
  auto v = ParseJson(R"([{"Plan": {"Node Type": "Index Scan", "Actual Rows": 1.5e0, "Plans": [], "X": null,
                        "Y": true}}])");
  CHINOOK_ASSERT_OK(v);
  ASSERT_EQ(v->kind, JsonValue::Kind::kArray);
  const JsonValue* plan = v->array[0].Find("Plan");
  ASSERT_NE(plan, nullptr);
  EXPECT_EQ(plan->Find("Node Type")->string, "Index Scan");
  EXPECT_EQ(plan->Find("Actual Rows")->number, 1.5);
  EXPECT_TRUE(plan->Find("Y")->boolean);
  EXPECT_EQ(plan->Find("missing"), nullptr);
  EXPECT_FALSE(ParseJson("[1,").ok());
  EXPECT_FALSE(ParseJson(std::string(1000, '[')).ok()) << "deep nesting must fail, not overflow the stack";
}

}  // namespace
}  // namespace chinook::repository
