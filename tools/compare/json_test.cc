#include "json.h"
#include "testing/status_matchers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

namespace chinook::compare::json {
namespace {

TEST(JsonTest, ParsesDocumentInOrder) {
  Result<Value> v = Parse(R"({"b": [1, -2.5e3, true, null], "a": {"s": "x\"y\\z\u00e9\ud83d\ude00"}})", "t");
  CHINOOK_ASSERT_OK(v);
  ASSERT_TRUE(v->is_object());
  ASSERT_EQ(v->members().size(), 2u);
  EXPECT_EQ(v->members()[0].first, "b");  // file order, not sorted
  const Value* b = v->Find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->items().size(), 4u);
  EXPECT_DOUBLE_EQ(b->items()[1].as_number(), -2500);
  EXPECT_TRUE(b->items()[2].as_bool());
  EXPECT_TRUE(b->items()[3].is_null());
  EXPECT_EQ(v->Find("a")->Find("s")->as_string(), "x\"y\\z\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(v->Find("missing"), nullptr);
}

TEST(JsonTest, AcceptsGoogleBenchmarkNonFiniteTokens) {
  Result<Value> v = Parse(R"({"a": NaN, "b": Infinity, "c": -Infinity, "d": 1e999})", "t");
  CHINOOK_ASSERT_OK(v);
  EXPECT_TRUE(std::isnan(v->Find("a")->as_number()));
  EXPECT_EQ(v->Find("b")->as_number(), HUGE_VAL);
  EXPECT_EQ(v->Find("c")->as_number(), -HUGE_VAL);
  EXPECT_EQ(v->Find("d")->as_number(), HUGE_VAL);
}

TEST(JsonTest, RecordsPositions) {
  Result<Value> v = Parse("{\n  \"a\":\n    [1,\n     2]\n}", "t");
  ASSERT_TRUE(v.ok());
  const Value* a = v->Find("a");
  EXPECT_EQ(a->line(), 3);
  EXPECT_EQ(a->column(), 5);
  EXPECT_EQ(a->items()[1].line(), 4);
  EXPECT_EQ(a->items()[1].column(), 6);
}

struct BadCase {
  const char* text;
  const char* expected;  // a substring of the message, including "t:line:column:"
};

TEST(JsonTest, MalformedInputNamesLineAndColumn) {
  const BadCase cases[] = {
      {"", "t:1:1: empty input"},
      {"   \n  ", "t:2:3: empty input"},
      {"{\"a\": 1\n \"b\": 2}", "t:2:2: expected ',' or '}' after an object member, found '\"'"},
      {"[1, 2", "t:1:6: expected ',' or ']' after an array element, found end of input"},
      {"{\"a\": \"abc", "t:1:7: unterminated string"},
      {"{\"a\": tru}", "t:1:7: expected a value, found 't'"},
      {"{\"a\": 01}", "t:1:8: expected ',' or '}'"},
      {"{\"a\": 1.}", "t:1:9: expected a digit after the decimal point"},
      {"{\"a\": \"x\\q\"}", "invalid escape sequence '\\q'"},
      {"{\"a\": \"x\ny\"}", "t:1:9: raw control character"},
      {"{\"a\": 1} x", "t:1:10: unexpected 'x' after the end of the JSON value"},
      {"{a: 1}", "t:1:2: expected a member name in quotes"},
      {"{\"a\" 1}", "expected ':' after member name \"a\""},
      {"[\"\\u12G4\"]", "expected a hex digit"},
      {"nan", "t:1:1: expected a value"},
  };
  for (const BadCase& c : cases) {
    Result<Value> v = Parse(c.text, "t");
    ASSERT_FALSE(v.ok()) << c.text;
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(v.status().message().find(c.expected), std::string::npos)
        << "input: " << c.text << "\nmessage: " << v.status().message();
  }
}

TEST(JsonTest, DeepNestingIsAnErrorNotACrash) {
  const std::string deep(100000, '[');
  Result<Value> v = Parse(deep, "t");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("nesting deeper than"), std::string::npos);
  std::string ok_depth(kMaxDepth, '[');
  ok_depth += std::string(kMaxDepth, ']');
  EXPECT_TRUE(Parse(ok_depth, "t").ok());
}

TEST(JsonTest, ByteOrderMarkAndLoneSurrogates) {
  Result<Value> v = Parse("\xEF\xBB\xBF[\"\\ud800x\"]", "t");
  CHINOOK_ASSERT_OK(v);
  EXPECT_EQ(v->items()[0].as_string(), "\xEF\xBF\xBDx");
}

TEST(JsonTest, MissingFileIsNotFound) {
  Result<Value> v = ParseFile("/nonexistent/dir/results.json");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), StatusCode::kNotFound);
  EXPECT_NE(v.status().message().find("/nonexistent/dir/results.json"), std::string::npos);
}

TEST(JsonTest, WriteRoundTripsAndStaysValid) {
  Value doc = Value::Object({{"name", Value::String("BM_\"q\"\n\x01\xFF")},
                             {"values", Value::Array({Value::Number(0.1), Value::Number(1e300), Value::Number(-3)})},
                             {"flag", Value::Bool(false)},
                             {"nothing", Value()}});
  const std::string text = Write(doc);
  Result<Value> back = Parse(text, "written");
  ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << text;
  // The invalid byte 0xFF is replaced so the output is valid UTF-8; the rest survives.
  EXPECT_EQ(back->Find("name")->as_string(), "BM_\"q\"\n\x01\xEF\xBF\xBD");
  EXPECT_DOUBLE_EQ(back->Find("values")->items()[0].as_number(), 0.1);
  EXPECT_DOUBLE_EQ(back->Find("values")->items()[1].as_number(), 1e300);
  EXPECT_EQ(FormatNumber(std::nan("")), "NaN");
  EXPECT_EQ(FormatNumber(-HUGE_VAL), "-Infinity");
}

// A key twice in one object: readers disagree on which wins, so it is an error with both places
// and the object's path.
TEST(JsonTest, DuplicateKeysAreErrorsNamingLineColumnKeyAndPath) {
  Result<Value> v = Parse("{\"ratios\": [{}, {}, {},\n  {\"id\": \"x\",\n   \"min\": 1,\n   \"min\": 2}]}", "gates.json");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(),
            "gates.json:4:4: duplicate key \"min\" in ratios[3] (first at line 3, column 4)");
  v = Parse(R"({"a": 1, "a": 1})", "t.json");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(), "t.json:1:10: duplicate key \"a\" in the top-level object (first at line 1, column 2)");
  v = Parse(R"({"context": {"k": {"x": [1, {"y": 0, "y": 0}]}}})", "t.json");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("duplicate key \"y\" in context.k.x[1]"), std::string::npos) << v.status().message();
  // The same key in different objects is fine.
  EXPECT_TRUE(Parse(R"([{"a": 1}, {"a": 2}, {"b": {"a": 3}}])", "t.json").ok());
}

// What rapidjson alone would get wrong: a NUL byte is not the end of the input, bytes that are
// not UTF-8 are an error naming where, a lone low surrogate is U+FFFD (not bytes that are not
// UTF-8), and an overflowing number is infinite wherever it stands (not in strings).
TEST(JsonTest, NulBytesInvalidUtf8SurrogatesAndOverflowingNumbers) {
  Result<Value> v = Parse(std::string("{\"a\": 1}\0{\"a\": 2}", 17), "t");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("t:1:9: unexpected byte 0x00 after the end of the JSON value"), std::string::npos)
      << v.status().message();
  v = Parse(std::string("[\"a\0b\"]", 7), "t");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("t:1:4: raw control character in a string (byte 0x00)"), std::string::npos)
      << v.status().message();
  v = Parse("{\"ok\": \"\xC3\xA9\",\n \"bad\": \"ab\xFF\"}", "t");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("t:2:12: invalid UTF-8 in a string (byte 0xFF)"), std::string::npos)
      << v.status().message();
  v = Parse(R"(["\udc00", "\ud83d\ude00", "\\ud800", "\ud800\u0041"])", "t");
  CHINOOK_ASSERT_OK(v);
  EXPECT_EQ(v->items()[0].as_string(), "\xEF\xBF\xBD");
  EXPECT_EQ(v->items()[1].as_string(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(v->items()[2].as_string(), "\\ud800");  // an escaped backslash, then text
  EXPECT_EQ(v->items()[3].as_string(), "\xEF\xBF\xBD" "A");
  v = Parse("{\"1e999\": \"1e999\",\n \"n\": [-1e999, 1e-999, 2, -NaN]}", "t");
  CHINOOK_ASSERT_OK(v);
  EXPECT_EQ(v->members()[0].first, "1e999");
  EXPECT_EQ(v->Find("1e999")->as_string(), "1e999");
  const Value* n = v->Find("n");
  EXPECT_EQ(n->items()[0].as_number(), -HUGE_VAL);
  EXPECT_EQ(n->items()[1].as_number(), 0);
  EXPECT_EQ(n->items()[2].as_number(), 2);
  EXPECT_EQ(n->items()[2].line(), 2);
  EXPECT_EQ(n->items()[2].column(), 24);
  EXPECT_TRUE(std::isnan(n->items()[3].as_number()));
  // Still an error where it was one: a leading zero, and what follows the number.
  EXPECT_FALSE(Parse("[01e999]", "t").ok());
  EXPECT_FALSE(Parse("[1e999x]", "t").ok());
}

}  // namespace
}  // namespace chinook::compare::json

namespace chinook::compare::json {
namespace {

// A document of millions of tiny values would make a DOM a hundred times its size: refused at
// kMaxValues, naming the limit, in time linear in the input.
TEST(JsonBoundsTest, TooManyValuesAreRefusedNamingTheLimit) {
  std::string text = "[";
  for (size_t i = 0; i <= kMaxValues; ++i) text += i == 0 ? "0" : ",0";
  text += "]";
  Result<Value> v = Parse(text, "bomb.json");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("json::kMaxValues"), std::string::npos) << v.status().message();
}

TEST(JsonBoundsTest, AFileBeyondTheSizeLimitIsNotReadWhole) {
  const std::string path = ::testing::TempDir() + "/json_bounds_big.json";
  {
    std::ofstream out(path, std::ios::binary);
    const std::string chunk(1 << 20, ' ');
    for (size_t i = 0; i <= (kMaxFileBytes >> 20); ++i) out << chunk;
  }
  Result<std::string> r = ReadFile(path);
  std::remove(path.c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("json::kMaxFileBytes"), std::string::npos);
}

}  // namespace
}  // namespace chinook::compare::json
