// The JSON reader and writer for benchmark results and gates files: rapidjson's SAX reader and
// PrettyWriter under a small DOM that keeps each value's line and column.
//
// Reads RFC 8259 JSON plus the bare tokens Google Benchmark writes for non-finite doubles (NaN,
// Infinity, -Infinity), which strict parsers reject (rapidjson's kParseNanAndInfFlag; nlohmann-json
// has no such mode). Numbers beyond the double range (1e999) read as +-infinity and lone UTF-16
// surrogate escapes as U+FFFD, as before rapidjson; bytes that are not UTF-8 in a string are an
// error naming where.
//
// Input is untrusted (other programs' output, hand-edited gates files, truncated files from
// crashed runs), so every failure is a Status naming the source, line and column ("base.json:12:7:
// expected ',' or '}' after an object member, found 'x'"), nesting depth is bounded, and nothing is
// read past the end of the buffer (a NUL byte is a byte, not the end).
//
// Objects keep their members in file order (reports follow the order benchmarks ran in). A key
// that appears twice in one object is an error naming both places and the object's JSON path
// ("gates.json:14:9: duplicate key \"min\" in ratios[3] (first at line 12, column 9)"): JSON
// readers disagree on which of the two wins, so such a file says two things at once.
//
// Thread safety: Value is a value type; Parse() is reentrant.
#ifndef CHINOOK_TOOLS_COMPARE_JSON_H_
#define CHINOOK_TOOLS_COMPARE_JSON_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chinook/status.h"

namespace chinook::compare::json {

class Value {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, Value>;

  Value() = default;
  static Value Bool(bool b);
  static Value Number(double d);
  static Value String(std::string s);
  static Value Array(std::vector<Value> items = {});
  static Value Object(std::vector<Member> members = {});

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // REQUIRES: the matching is_*() is true.
  bool as_bool() const { return bool_; }
  double as_number() const { return number_; }
  const std::string& as_string() const { return string_; }
  const std::vector<Value>& items() const { return items_; }
  std::vector<Value>& items() { return items_; }
  const std::vector<Member>& members() const { return members_; }
  std::vector<Member>& members() { return members_; }

  // The first member named `key`, or nullptr (also when this is not an object).
  const Value* Find(std::string_view key) const;

  // 1-based position of the value's first character in the parsed text (0 for built values),
  // so that callers can point at the offending line of a well-formed but wrong document.
  int line() const { return line_; }
  int column() const { return column_; }

 private:
  friend class Parser;
  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Value> items_;
  std::vector<Member> members_;
  int line_ = 0;
  int column_ = 0;
};

// Most nesting levels Parse accepts; Google Benchmark output nests four deep, gates files three.
inline constexpr int kMaxDepth = 200;
// Bounds on what one document may cost. A file of the whole suite with 10 repetitions is about
// 1 MB and 60,000 values; the limits leave a thousand times that. Memory is then at most the
// file's bytes plus kMaxValues values (a Value is about 150 bytes: ~300 MB in all) and time is
// linear in the file's size; "[0,0,0,...]" cannot make a DOM of tens of gigabytes.
inline constexpr size_t kMaxFileBytes = size_t{256} << 20;
inline constexpr size_t kMaxValues = size_t{2} << 20;

// Parses one JSON document (surrounding whitespace and a UTF-8 byte-order mark allowed).
// `source` names the input in error messages, e.g. the file path.
Result<Value> Parse(std::string_view text, std::string_view source);

// Reads and parses a file; a missing or unreadable file is kNotFound / kInvalidArgument naming it.
Result<Value> ParseFile(const std::string& path);

// The bytes of a file, with ParseFile's errors.
Result<std::string> ReadFile(const std::string& path);

// `s` as a JSON string literal with quotes (chinook::AppendJsonString); bytes that are not valid
// UTF-8 become U+FFFD so that the output stays valid JSON whatever the benchmark names contain.
std::string Quote(std::string_view s);

// A number as JSON: shortest round-trip form; NaN and infinities as Google Benchmark writes them.
std::string FormatNumber(double d);

// Serializes with two-space indentation (members in order).
std::string Write(const Value& v);

}  // namespace chinook::compare::json

#endif  // CHINOOK_TOOLS_COMPARE_JSON_H_
