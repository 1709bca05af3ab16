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

TEST(MetadataJsonTest, RejectsNonStringObjectsAsDataLoss) {
  Metadata m;
  for (const char* bad : {"", "[]", R"({"a": 1})", R"({"a": "b")", R"({"a" "b"})", R"({"a": "\ud800"})",
                          R"({"a": "b"} x)", R"({"a": "\x"})", R"({"a": {"b": "c"}})", R"({"a": ["b"]})",
                          R"("a")", R"({"a": "\udc00"})", "{\"a\": \"\xFF\"}", "{\"\xC0\xAF\": \"b\"}"}) {
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
