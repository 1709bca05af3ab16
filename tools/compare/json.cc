#include "json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <tuple>
#include <unordered_map>

#include "common/json_writer.h"

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

namespace {

// Numbers are handed over as text (kParseNumbersAsStringsFlag) and converted here, so that every
// number is read by one correctly rounding routine whatever its size. NaN and Infinity are Google
// Benchmark's spellings of non-finite doubles.
constexpr unsigned kParseFlags = rapidjson::kParseValidateEncodingFlag | rapidjson::kParseStopWhenDoneFlag |
                                 rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseNanAndInfFlag;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The code unit of the \uXXXX escape at text[i] (the backslash), or -1.
int EscapedCodeUnit(std::string_view text, size_t i) {
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return -1;
  int v = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    const int h = HexValue(text[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// rapidjson refuses a high surrogate escape without its low half and turns a lone low one into
// bytes that are not UTF-8; JSON allows both and strings cannot hold them, so each becomes
// \ufffd (six characters for six: every position in the text stays where it was). Returns `text`
// itself when there is none (the usual case), else a view of *copy.
std::string_view ReplaceLoneSurrogateEscapes(std::string_view text, std::string* copy) {
  bool copied = false;
  for (size_t i = text.find('\\'); i != std::string_view::npos; i = text.find('\\', i)) {
    const int unit = EscapedCodeUnit(text, i);
    if (unit < 0xD800 || unit > 0xDFFF) {
      i += 2;  // any other escape, "\\\\" included: the escaped character cannot start one
      continue;
    }
    const int next = EscapedCodeUnit(text, i + 6);
    if (unit <= 0xDBFF && next >= 0xDC00 && next <= 0xDFFF) {
      i += 12;  // a proper pair
      continue;
    }
    if (!copied) *copy = std::string(text), copied = true;
    copy->replace(i + 2, 4, "fffd");
    i += 6;
  }
  return copied ? std::string_view(*copy) : text;
}

// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, the JSON number grammar.
bool IsJsonNumber(std::string_view s) {
  size_t p = 0;
  const auto digits = [&] {
    const size_t from = p;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') ++p;
    return p > from;
  };
  if (p < s.size() && s[p] == '-') ++p;
  if (p < s.size() && s[p] == '0') {
    ++p;
  } else if (!digits()) {
    return false;
  }
  if (p < s.size() && s[p] == '.' && (++p, !digits())) return false;
  if (p < s.size() && (s[p] == 'e' || s[p] == 'E')) {
    ++p;
    if (p < s.size() && (s[p] == '+' || s[p] == '-')) ++p;
    if (!digits()) return false;
  }
  return p == s.size();
}

// rapidjson refuses numbers beyond the double range (1e999) that JSON allows and that readers
// saturate to +-infinity. When it does, every such number is replaced by "0" and spaces (same
// length, so positions hold) in *copy and its value recorded by offset for the second parse.
std::string_view ReplaceOverflowingNumbers(std::string_view text, std::string* copy,
                                           std::vector<std::pair<size_t, double>>* overrides) {
  std::string replaced(text);
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '"') {  // skip strings: "1e999" in a name is no number
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      ++i;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && text[end] != '\0' && std::strchr("0123456789+-.eE", text[end]) != nullptr) ++end;
    double d;
    if (IsJsonNumber(text.substr(i, end - i)) &&
        std::from_chars(text.data() + i, text.data() + end, d).ec == std::errc::result_out_of_range) {
      d = std::strtod(std::string(text.substr(i, end - i)).c_str(), nullptr);
      if (std::isinf(d)) {
        overrides->emplace_back(i, d);
        replaced[i] = '0';
        std::fill(replaced.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                  replaced.begin() + static_cast<std::ptrdiff_t>(end), ' ');
      }
    }
    i = end;
  }
  *copy = std::move(replaced);
  return *copy;
}

}  // namespace

// rapidjson's SAX events, built into Values. Each event arrives with the input stream just past
// its token; the token's start is found by skipping what may separate it from the previous one
// (whitespace and one ',' or ':'), which is also where every raw newline of a valid document is,
// so line and column cost one look at each separator byte.
class Parser {
 public:
  Parser(std::string_view text, std::string_view source, const std::vector<std::pair<size_t, double>>* overrides,
         const rapidjson::MemoryStream* stream)
      : text_(text), source_(source), overrides_(overrides), stream_(stream) {}

  Result<Value> Finish(const rapidjson::ParseResult& result) {
    if (!error_.ok()) return error_;
    if (result.IsError()) return ParseError(result.Code(), result.Offset());
    size_t end = stream_->Tell();
    while (end < text_.size() && IsSpace(text_[end])) ++end;
    if (end < text_.size()) return ErrorAt(end, "unexpected " + Describe(end) + " after the end of the JSON value");
    return std::move(root_);
  }

  // The handler interface of rapidjson::Reader.
  bool Null() { return Scalar(Value()); }
  bool Bool(bool b) { return Scalar(Value::Bool(b)); }
  bool Int(int) { return false; }  // never called: kParseNumbersAsStringsFlag
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    const size_t start = TokenStart();
    return Scalar(Value::Number(ToDouble(std::string_view(s, n), start)), start);
  }
  bool String(const char* s, rapidjson::SizeType n, bool) { return Scalar(Value::String(std::string(s, n))); }
  bool StartObject() { return Open(Value::Object()); }
  bool StartArray() { return Open(Value::Array()); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    const size_t start = TokenStart();
    Frame& top = frames_.back();
    top.key.assign(s, n);
    const auto [line, column] = Position(start);
    if (auto [it, inserted] = top.seen.try_emplace(top.key, line, column); !inserted) {
      // Readers disagree on which of the two wins, so the file means two things.
      return Fail(ErrorAt(start, "duplicate key " + Quote(top.key) + " in " + PathText() + " (first at line " +
                                     std::to_string(it->second.first) + ", column " +
                                     std::to_string(it->second.second) + ")"));
    }
    return true;
  }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool EndArray(rapidjson::SizeType) { return Close(); }

 private:
  struct Frame {
    Value value;
    std::string key;  // objects: the member whose value comes next
    // Member name -> where it first appeared.
    std::unordered_map<std::string, std::pair<int, int>> seen;
  };

  // Where the token just read began; advances the line count over the separators before it.
  size_t TokenStart() {
    size_t p = token_end_;
    bool separator = false;
    while (p < text_.size()) {
      const char c = text_[p];
      if (c == '\n') {
        ++line_;
        line_start_ = p + 1;
      } else if ((c == ',' || c == ':') && !separator) {
        separator = true;
      } else if (!IsSpace(c)) {
        break;
      }
      ++p;
    }
    token_end_ = stream_->Tell();
    return p;
  }

  std::pair<int, int> Position(size_t offset) const {
    return {line_, static_cast<int>(offset - line_start_) + 1};
  }

  // Checks the bounds for a value starting at `start` and records its position.
  bool Begin(Value* v, size_t start) {
    if (frames_.size() > static_cast<size_t>(kMaxDepth)) {
      return Fail(ErrorAt(start, "nesting deeper than " + std::to_string(kMaxDepth) + " levels"));
    }
    if (++values_ > kMaxValues) {
      return Fail(ErrorAt(start, "more than " + std::to_string(kMaxValues) +
                                     " values (json::kMaxValues): not a results file this tool reads"));
    }
    std::tie(v->line_, v->column_) = Position(start);
    return true;
  }

  bool Scalar(Value v) { return Scalar(std::move(v), TokenStart()); }
  bool Scalar(Value v, size_t start) {
    if (!Begin(&v, start)) return false;
    Add(std::move(v));
    return true;
  }

  bool Open(Value v) {
    if (!Begin(&v, TokenStart())) return false;
    frames_.push_back(Frame{std::move(v), std::string(), {}});
    return true;
  }

  bool Close() {
    TokenStart();
    Value v = std::move(frames_.back().value);
    frames_.pop_back();
    Add(std::move(v));
    return true;
  }

  void Add(Value v) {
    if (frames_.empty()) {
      root_ = std::move(v);
      return;
    }
    Frame& top = frames_.back();
    if (top.value.is_object()) {
      top.value.members_.emplace_back(std::move(top.key), std::move(v));
    } else {
      top.value.items_.push_back(std::move(v));
    }
  }

  double ToDouble(std::string_view s, size_t start) const {
    const bool minus = s[0] == '-';
    if (s[minus] == 'N') return std::nan("");
    if (s[minus] == 'I') return minus ? -HUGE_VAL : HUGE_VAL;
    if (overrides_ != nullptr) {
      const auto it = std::lower_bound(overrides_->begin(), overrides_->end(), std::make_pair(start, -HUGE_VAL));
      if (it != overrides_->end() && it->first == start) return it->second;
    }
    double d = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc::result_out_of_range) {
      // 1e-999 is valid JSON; strtod gives 0 as JSON readers do.
      d = std::strtod(std::string(s).c_str(), nullptr);
    }
    return d;
  }

  bool Fail(Status s) {
    error_ = std::move(s);
    return false;
  }

  // Where the parser is, as a JSON path: "ratios[3]", "benchmarks[0].context", or "the top-level
  // object". Built only for messages.
  std::string PathText() const {
    if (frames_.size() <= 1) return "the top-level object";
    std::string s;
    for (size_t i = 0; i + 1 < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      if (f.value.is_array()) {
        s += "[" + std::to_string(f.value.items().size()) + "]";
      } else {
        if (!s.empty()) s += ".";
        s += f.key;
      }
    }
    return s;
  }

  // "'x'", "end of input (is the file truncated?)", "byte 0x01".
  std::string Describe(size_t offset) const {
    if (offset >= text_.size()) return "end of input (is the file truncated?)";
    const unsigned char c = static_cast<unsigned char>(text_[offset]);
    if (c < 0x20 || c >= 0x7F) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "byte 0x%02X", c);
      return buf;
    }
    return std::string("'") + static_cast<char>(c) + "'";
  }

  Status ErrorAt(size_t offset, const std::string& what) const {
    offset = std::min(offset, text_.size());
    const size_t newline = text_.substr(0, offset).rfind('\n');
    const int line = 1 + static_cast<int>(std::count(text_.begin(), text_.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
    const size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
    return InvalidArgumentError(std::string(source_) + ":" + std::to_string(line) + ":" +
                                std::to_string(offset - line_start + 1) + ": " + what);
  }

  // rapidjson's error, in the words (and at the character) this reader has always used.
  Status ParseError(rapidjson::ParseErrorCode code, size_t offset) const {
    switch (code) {
      case rapidjson::kParseErrorDocumentEmpty:
        return ErrorAt(offset, "empty input: expected a JSON value");
      case rapidjson::kParseErrorValueInvalid: {
        // rapidjson stops inside a bad token ("tru}"); name the token where it begins.
        while (offset > 0 && (std::isalnum(static_cast<unsigned char>(text_[offset - 1])) ||
                              std::strchr("+-.", text_[offset - 1]) != nullptr)) {
          --offset;
        }
        return ErrorAt(offset, "expected a value, found " + Describe(offset));
      }
      case rapidjson::kParseErrorObjectMissName:
        return ErrorAt(offset, "expected a member name in quotes, found " + Describe(offset));
      case rapidjson::kParseErrorObjectMissColon:
        return ErrorAt(offset, "expected ':' after member name " + Quote(frames_.back().key) + ", found " +
                                   Describe(offset));
      case rapidjson::kParseErrorObjectMissCommaOrCurlyBracket:
        return ErrorAt(offset, "expected ',' or '}' after an object member, found " + Describe(offset));
      case rapidjson::kParseErrorArrayMissCommaOrSquareBracket:
        return ErrorAt(offset, "expected ',' or ']' after an array element, found " + Describe(offset));
      case rapidjson::kParseErrorStringUnicodeEscapeInvalidHex: {
        size_t p = offset + 2;  // past "\u"
        while (p < offset + 6 && p < text_.size() && HexValue(text_[p]) >= 0) ++p;
        if (p >= text_.size()) return ErrorAt(p, "truncated \\u escape, found " + Describe(p));
        return ErrorAt(p, "expected a hex digit in \\u escape, found " + Describe(p));
      }
      case rapidjson::kParseErrorStringEscapeInvalid:
        if (offset < text_.size() && text_[offset] == '\\') {
          if (offset + 1 >= text_.size()) return ErrorAt(offset + 1, "truncated escape sequence, found " + Describe(offset + 1));
          return ErrorAt(offset + 1, "invalid escape sequence '\\" + std::string(1, text_[offset + 1]) + "' in a string");
        }
        return ErrorAt(offset, "raw control character in a string (" + Describe(offset) + "); a missing '\"'?");
      case rapidjson::kParseErrorStringMissQuotationMark: {
        if (offset < text_.size()) {  // a NUL byte, which rapidjson reads as the end
          return ErrorAt(offset, "raw control character in a string (" + Describe(offset) + "); a missing '\"'?");
        }
        // The string opened at the first token after the last one read.
        size_t open = token_end_;
        while (open < text_.size() && text_[open] != '"') ++open;
        return ErrorAt(open, "unterminated string (end of input; is the file truncated?)");
      }
      case rapidjson::kParseErrorStringInvalidEncoding:
        return ErrorAt(offset, "invalid UTF-8 in a string (" + Describe(offset) + ")");
      case rapidjson::kParseErrorNumberMissFraction:
        return ErrorAt(offset, "expected a digit after the decimal point, found " + Describe(offset));
      case rapidjson::kParseErrorNumberMissExponent:
        return ErrorAt(offset, "expected a digit in the exponent, found " + Describe(offset));
      default:
        return ErrorAt(offset, rapidjson::GetParseError_En(code));
    }
  }

  std::string_view text_;
  std::string_view source_;
  const std::vector<std::pair<size_t, double>>* overrides_;  // sorted by offset; may be null
  const rapidjson::MemoryStream* stream_;
  std::vector<Frame> frames_;  // the containers being read, outermost first
  Value root_;
  Status error_;  // why a handler stopped the reader
  size_t token_end_ = 0;  // offset just past the last token read
  size_t line_start_ = 0;
  size_t values_ = 0;  // read so far, against kMaxValues
  int line_ = 1;
};

namespace {

Result<Value> ParseOnce(std::string_view text, std::string_view source,
                        const std::vector<std::pair<size_t, double>>* overrides, rapidjson::ParseErrorCode* code) {
  rapidjson::MemoryStream stream(text.data(), text.size());
  Parser parser(text, source, overrides, &stream);
  rapidjson::Reader reader;
  const rapidjson::ParseResult result = reader.Parse<kParseFlags>(stream, parser);
  *code = result.Code();
  return parser.Finish(result);
}

}  // namespace

Result<Value> Parse(std::string_view text, std::string_view source) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // positions count from after it
  std::string copy;
  text = ReplaceLoneSurrogateEscapes(text, &copy);
  rapidjson::ParseErrorCode code;
  Result<Value> v = ParseOnce(text, source, nullptr, &code);
  if (code != rapidjson::kParseErrorNumberTooBig) return v;
  std::string replaced;
  std::vector<std::pair<size_t, double>> overrides;
  return ParseOnce(ReplaceOverflowingNumbers(text, &replaced, &overrides), source, &overrides, &code);
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

std::string Quote(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

std::string FormatNumber(double d) {
  // std::to_chars, not rapidjson's Grisu2: the shortest form that reads back exactly ("100",
  // "1e+300"), where Grisu2 writes "100.0" and sometimes a digit more.
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  char buf[32];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return ec == std::errc() ? std::string(buf, ptr) : "0";
}

namespace {

using PrettyWriter = rapidjson::PrettyWriter<JsonStringStream>;

void WriteValue(const Value& v, PrettyWriter* w, std::string* scratch) {
  const auto text = [&](const std::string& s) {
    const std::string_view t = ReplaceInvalidUtf8(s, scratch);
    return std::pair(t.data(), static_cast<rapidjson::SizeType>(t.size()));
  };
  switch (v.type()) {
    case Value::Type::kNull: w->Null(); break;
    case Value::Type::kBool: w->Bool(v.as_bool()); break;
    case Value::Type::kNumber: {
      const std::string n = FormatNumber(v.as_number());
      w->RawValue(n.data(), n.size(), rapidjson::kNumberType);
      break;
    }
    case Value::Type::kString: {
      const auto [p, n] = text(v.as_string());
      w->String(p, n);
      break;
    }
    case Value::Type::kArray:
      w->StartArray();
      for (const Value& item : v.items()) WriteValue(item, w, scratch);
      w->EndArray();
      break;
    case Value::Type::kObject:
      w->StartObject();
      for (const Value::Member& m : v.members()) {
        const auto [p, n] = text(m.first);
        w->Key(p, n);
        WriteValue(m.second, w, scratch);
      }
      w->EndObject();
      break;
  }
}

}  // namespace

std::string Write(const Value& v) {
  std::string out;
  JsonStringStream stream(&out);
  PrettyWriter writer(stream);
  writer.SetIndent(' ', 2);
  std::string scratch;
  WriteValue(v, &writer, &scratch);
  out += "\n";
  return out;
}

}  // namespace chinook::compare::json
