#include "json.h"

#include "common/utf8.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace chinook::compare::json {

Value Value::Bool(bool b) {
  Value v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  return v;
}

Value Value::Number(double d) {
  Value v;
  v.type_ = Type::kNumber;
  v.number_ = d;
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.type_ = Type::kString;
  v.string_ = std::move(s);
  return v;
}

Value Value::Array(std::vector<Value> items) {
  Value v;
  v.type_ = Type::kArray;
  v.items_ = std::move(items);
  return v;
}

Value Value::Object(std::vector<Member> members) {
  Value v;
  v.type_ = Type::kObject;
  v.members_ = std::move(members);
  return v;
}

const Value* Value::Find(std::string_view key) const {
  for (const Member& m : members_) {
    if (m.first == key) return &m.second;
  }
  return nullptr;
}

// Recursive-descent parser over a byte buffer. Line and column are tracked as whitespace is
// skipped (raw newlines can only appear there: strings reject them), so positions cost nothing.
class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  Result<Value> ParseDocument() {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3, line_start_ = 3;
    SkipWhitespace();
    if (AtEnd()) return Error("empty input: expected a JSON value");
    Value v;
    CHINOOK_RETURN_IF_ERROR(ParseValue(&v, 0));
    SkipWhitespace();
    if (!AtEnd()) return Error("unexpected " + Describe() + " after the end of the JSON value");
    return v;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  int Column() const { return static_cast<int>(pos_ - line_start_) + 1; }

  // "'x'", "end of input (truncated file?)", "byte 0x01".
  std::string Describe() const {
    if (AtEnd()) return "end of input (is the file truncated?)";
    const unsigned char c = static_cast<unsigned char>(Peek());
    if (c < 0x20 || c >= 0x7F) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
      return buf;
    }
    return std::string("'") + static_cast<char>(c) + "'";
  }

  Status Error(const std::string& what) const { return ErrorAt(line_, Column(), what); }

  Status ErrorAt(int line, int column, const std::string& what) const {
    return InvalidArgumentError(std::string(source_) + ":" + std::to_string(line) + ":" + std::to_string(column) +
                                ": " + what);
  }

  // Where the parser is, as a JSON path: "ratios[3]", "benchmarks[0].context", or "the top-level
  // object". Built only for messages.
  std::string PathText() const {
    if (path_.empty()) return "the top-level object";
    std::string s;
    for (const PathStep& step : path_) {
      if (step.is_index) {
        s += "[" + std::to_string(step.index) + "]";
      } else {
        if (!s.empty()) s += ".";
        s += step.key;
      }
    }
    return s;
  }

  void SkipWhitespace() {
    while (!AtEnd()) {
      const char c = Peek();
      if (c == '\n') {
        ++line_;
        line_start_ = ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  bool ConsumeWord(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Status ParseValue(Value* out, int depth) {
    if (depth > kMaxDepth) return Error("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    if (++values_ > kMaxValues) {
      return Error("more than " + std::to_string(kMaxValues) + " values (json::kMaxValues): not a results file this tool reads");
    }
    out->line_ = line_;
    out->column_ = Column();
    if (AtEnd()) return Error("expected a value, found " + Describe());
    switch (Peek()) {
      case '{':
        return ParseObject(out, depth);
      case '[':
        return ParseArray(out, depth);
      case '"':
        out->type_ = Value::Type::kString;
        return ParseString(&out->string_);
      case 't':
      case 'f':
      case 'n':
        if (ConsumeWord("true")) {
          out->type_ = Value::Type::kBool;
          out->bool_ = true;
          return Status::Ok();
        }
        if (ConsumeWord("false")) {
          out->type_ = Value::Type::kBool;
          return Status::Ok();
        }
        if (ConsumeWord("null")) return Status::Ok();
        return Error("expected a value, found " + Describe());
      default:
        out->type_ = Value::Type::kNumber;
        return ParseNumber(&out->number_);
    }
  }

  Status ParseObject(Value* out, int depth) {
    out->type_ = Value::Type::kObject;
    ++pos_;  // '{'
    SkipWhitespace();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return Status::Ok();
    }
    // Member name -> where it first appeared. A duplicated key is an error, not a silent "first
    // (or last) one wins": readers disagree on which wins, so the file means two things.
    std::unordered_map<std::string, std::pair<int, int>> seen;
    while (true) {
      SkipWhitespace();
      if (AtEnd() || Peek() != '"') return Error("expected a member name in quotes, found " + Describe());
      Value::Member member{std::string(), Value()};  // not default-constructed: clang sees Value incomplete there
      const int key_line = line_, key_column = Column();
      CHINOOK_RETURN_IF_ERROR(ParseString(&member.first));
      if (auto [it, inserted] = seen.try_emplace(member.first, key_line, key_column); !inserted) {
        return ErrorAt(key_line, key_column,
                       "duplicate key " + Quote(member.first) + " in " + PathText() + " (first at line " +
                           std::to_string(it->second.first) + ", column " + std::to_string(it->second.second) + ")");
      }
      SkipWhitespace();
      if (AtEnd() || Peek() != ':') {
        return Error("expected ':' after member name " + Quote(member.first) + ", found " + Describe());
      }
      ++pos_;
      SkipWhitespace();
      path_.push_back({member.first, 0, false});
      CHINOOK_RETURN_IF_ERROR(ParseValue(&member.second, depth + 1));
      path_.pop_back();
      out->members_.push_back(std::move(member));
      SkipWhitespace();
      if (AtEnd()) return Error("expected ',' or '}' after an object member, found " + Describe());
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == '}') {
        ++pos_;
        return Status::Ok();
      }
      return Error("expected ',' or '}' after an object member, found " + Describe());
    }
  }

  Status ParseArray(Value* out, int depth) {
    out->type_ = Value::Type::kArray;
    ++pos_;  // '['
    SkipWhitespace();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return Status::Ok();
    }
    while (true) {
      SkipWhitespace();
      Value item;
      path_.push_back({std::string(), out->items_.size(), true});
      CHINOOK_RETURN_IF_ERROR(ParseValue(&item, depth + 1));
      path_.pop_back();
      out->items_.push_back(std::move(item));
      SkipWhitespace();
      if (AtEnd()) return Error("expected ',' or ']' after an array element, found " + Describe());
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ']') {
        ++pos_;
        return Status::Ok();
      }
      return Error("expected ',' or ']' after an array element, found " + Describe());
    }
  }


  // Four hex digits after "\u"; REQUIRES: pos_ at the first digit.
  Status ParseHex4(uint32_t* cp) {
    if (text_.size() - pos_ < 4) return Error("truncated \\u escape, found " + Describe());
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = Peek();
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Error("expected a hex digit in \\u escape, found " + Describe());
      }
      ++pos_;
    }
    *cp = v;
    return Status::Ok();
  }

  Status ParseString(std::string* out) {
    const int open_line = line_;
    const int open_column = Column();
    ++pos_;  // opening quote
    while (true) {
      if (AtEnd()) {
        return InvalidArgumentError(std::string(source_) + ":" + std::to_string(open_line) + ":" +
                                    std::to_string(open_column) +
                                    ": unterminated string (end of input; is the file truncated?)");
      }
      const char c = Peek();
      if (c == '"') {
        ++pos_;
        return Status::Ok();
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Error("raw control character in a string (" + Describe() + "); a missing '\"'?");
      }
      if (c != '\\') {
        out->push_back(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (AtEnd()) return Error("truncated escape sequence, found " + Describe());
      const char e = Peek();
      ++pos_;
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          CHINOOK_RETURN_IF_ERROR(ParseHex4(&cp));
          if (cp >= 0xD800 && cp <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
            const size_t save = pos_;
            pos_ += 2;
            uint32_t low = 0;
            CHINOOK_RETURN_IF_ERROR(ParseHex4(&low));
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = save;  // an unpaired high surrogate; the next escape stands on its own
              cp = 0xFFFD;
            }
          } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;  // lone surrogate: not representable in UTF-8
          }
          AppendUtf8(cp, out);
          break;
        }
        default:
          --pos_;
          return Error("invalid escape sequence '\\" + std::string(1, e) + "' in a string");
      }
    }
  }

  Status ParseNumber(double* out) {
    const size_t start = pos_;
    // Google Benchmark's spellings of non-finite doubles.
    if (ConsumeWord("NaN") || ConsumeWord("-NaN")) {
      *out = std::nan("");
      return Status::Ok();
    }
    if (ConsumeWord("Infinity")) {
      *out = HUGE_VAL;
      return Status::Ok();
    }
    if (ConsumeWord("-Infinity")) {
      *out = -HUGE_VAL;
      return Status::Ok();
    }
    // Validate the JSON number grammar first: from_chars alone would accept "01" or "1.".
    size_t p = pos_;
    auto digit = [&](size_t i) { return i < text_.size() && text_[i] >= '0' && text_[i] <= '9'; };
    if (p < text_.size() && text_[p] == '-') ++p;
    if (!digit(p)) return Error("expected a value, found " + Describe());
    if (text_[p] == '0') {
      ++p;
    } else {
      while (digit(p)) ++p;
    }
    if (p < text_.size() && text_[p] == '.') {
      ++p;
      if (!digit(p)) {
        pos_ = p;
        return Error("expected a digit after the decimal point, found " + Describe());
      }
      while (digit(p)) ++p;
    }
    if (p < text_.size() && (text_[p] == 'e' || text_[p] == 'E')) {
      ++p;
      if (p < text_.size() && (text_[p] == '+' || text_[p] == '-')) ++p;
      if (!digit(p)) {
        pos_ = p;
        return Error("expected a digit in the exponent, found " + Describe());
      }
      while (digit(p)) ++p;
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + p;
    const auto [ptr, ec] = std::from_chars(first, last, *out);
    if (ec == std::errc::result_out_of_range) {
      // 1e999 and 1e-999 are valid JSON; strtod saturates them to +-HUGE_VAL or 0 as JSON readers do.
      const std::string copy(first, last);
      *out = std::strtod(copy.c_str(), nullptr);
    } else if (ec != std::errc() || ptr != last) {
      return Error("malformed number");
    }
    pos_ = p;
    return Status::Ok();
  }

  struct PathStep {
    std::string key;  // object member name, or
    size_t index;     // array position
    bool is_index;
  };

  std::string_view text_;
  std::string_view source_;
  std::vector<PathStep> path_;  // the members and elements the parser is inside
  size_t pos_ = 0;
  size_t values_ = 0;  // parsed so far, against kMaxValues
  size_t line_start_ = 0;
  int line_ = 1;
};

Result<Value> Parse(std::string_view text, std::string_view source) {
  return Parser(text, source).ParseDocument();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError(path + ": cannot open (" + std::strerror(errno) + ")");
  // Read at most one byte past the limit: a 2 GB file is refused after 256 MiB, not read whole.
  std::string text;
  constexpr size_t kChunk = 1 << 20;
  while (in && text.size() <= kMaxFileBytes) {
    const size_t at = text.size();
    text.resize(at + kChunk);
    in.read(text.data() + at, static_cast<std::streamsize>(kChunk));
    text.resize(at + static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) return InvalidArgumentError(path + ": read error");
  if (text.size() > kMaxFileBytes) {
    return ResourceExhaustedError(path + ": larger than " + std::to_string(kMaxFileBytes >> 20) +
                                  " MiB (json::kMaxFileBytes): not a results file this tool reads");
  }
  return text;
}

Result<Value> ParseFile(const std::string& path) {
  CHINOOK_ASSIGN_OR_RETURN(auto text, ReadFile(path));
  return Parse(text, path);
}

namespace {

void WriteValue(const Value& v, int indent, std::string* out) {
  const std::string pad(static_cast<size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<size_t>(indent + 1) * 2, ' ');
  switch (v.type()) {
    case Value::Type::kNull: *out += "null"; break;
    case Value::Type::kBool: *out += v.as_bool() ? "true" : "false"; break;
    case Value::Type::kNumber: *out += FormatNumber(v.as_number()); break;
    case Value::Type::kString: *out += Quote(v.as_string()); break;
    case Value::Type::kArray:
      if (v.items().empty()) {
        *out += "[]";
        break;
      }
      *out += "[\n";
      for (size_t i = 0; i < v.items().size(); ++i) {
        *out += inner;
        WriteValue(v.items()[i], indent + 1, out);
        *out += i + 1 < v.items().size() ? ",\n" : "\n";
      }
      *out += pad + "]";
      break;
    case Value::Type::kObject:
      if (v.members().empty()) {
        *out += "{}";
        break;
      }
      *out += "{\n";
      for (size_t i = 0; i < v.members().size(); ++i) {
        *out += inner + Quote(v.members()[i].first) + ": ";
        WriteValue(v.members()[i].second, indent + 1, out);
        *out += i + 1 < v.members().size() ? ",\n" : "\n";
      }
      *out += pad + "}";
      break;
  }
}

}  // namespace

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t end = i;
    const size_t n = DecodeUtf8(s, &end) < 0 ? 0 : end - i;
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out += "\"";
  return out;
}

std::string FormatNumber(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  char buf[32];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, ptr) : "0";
}

std::string Write(const Value& v) {
  std::string out;
  WriteValue(v, 0, &out);
  out += "\n";
  return out;
}

}  // namespace chinook::compare::json
