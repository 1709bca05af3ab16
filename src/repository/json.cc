#include "repository/json.h"

#include <rapidjson/allocators.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "common/json_writer.h"
#include "common/utf8.h"

namespace chinook::repository {
namespace {

constexpr int kMaxDepth = 256;
constexpr std::string_view kSpace = " \t\n\r";  // JSON's whitespace

// Both readers stop after the one value and look at the rest themselves: rapidjson takes a NUL
// byte for the end of its input, so "{}\0junk" would otherwise pass. UTF-8 is checked on each
// decoded string (ValidUtf8PrefixFast) rather than with kParseValidateEncodingFlag, because that
// flag does not see the lone low surrogate rapidjson lets through an escape ("\udc00").
constexpr unsigned kParseFlags = rapidjson::kParseStopWhenDoneFlag | rapidjson::kParseFullPrecisionFlag;

bool ValidUtf8(const char* s, rapidjson::SizeType n) {
  return ValidUtf8PrefixFast(std::string_view(s, n)) == n;
}

// Runs `reader` over `json` with `handler`; InvalidArgument "json: <what> at byte <offset>", where
// `what` is the handler's why() when it stopped the reader.
template <typename Reader, typename Handler>
Status Run(Reader& reader, std::string_view json, Handler& handler) {
  rapidjson::MemoryStream stream(json.data(), json.size());
  const rapidjson::ParseResult result = reader.template Parse<kParseFlags>(stream, handler);
  size_t offset = result.Offset();
  std::string what;
  if (result.IsError()) {
    what = result.Code() == rapidjson::kParseErrorTermination ? handler.why() : rapidjson::GetParseError_En(result.Code());
  } else {
    offset = std::min(json.find_first_not_of(kSpace, stream.Tell()), json.size());
    if (offset == json.size()) return Status::Ok();
    what = "trailing characters";
  }
  return InvalidArgumentError("json: " + what + " at byte " + std::to_string(offset));
}

// SAX events of a flat object of strings, straight into the map: no document, and the reader's
// stack lives in a buffer on the C++ stack (see ParseMetadataJson). Every event not overridden
// here lands in BaseReaderHandler's Default(): a value that is not a string. (The object itself is
// checked before the reader starts: a bare string would otherwise read as a member.)
class MetadataHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, MetadataHandler> {
 public:
  explicit MetadataHandler(Metadata* out) : out_(out) {}

  bool Default() { return Fail("expected a string value"); }
  bool StartObject() { return ++depth_ == 1 || Fail("expected a string value"); }
  bool EndObject(rapidjson::SizeType) { return --depth_, true; }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (!ValidUtf8(s, n)) return Fail("invalid UTF-8 in a key");
    key_.assign(s, n);
    return true;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (!ValidUtf8(s, n)) return Fail("invalid UTF-8 in a value");
    (*out_)[key_].assign(s, n);  // a repeated key: the last one wins, as in jsonb
    return true;
  }
  const char* why() const { return why_; }

 private:
  bool Fail(const char* why) {
    why_ = why;
    return false;
  }

  Metadata* out_;
  std::string key_;
  const char* why_ = "";
  int depth_ = 0;
};

// SAX events into a JsonValue tree, for the plans chinook-explain reads.
class TreeHandler {
 public:
  bool Null() { return Add(JsonValue{}); }
  bool Bool(bool b) {
    JsonValue v = Of(JsonValue::Kind::kBool);
    v.boolean = b;
    return Add(std::move(v));
  }
  bool Int(int i) { return Number(i); }
  bool Uint(unsigned u) { return Number(u); }
  bool Int64(int64_t i) { return Number(static_cast<double>(i)); }
  bool Uint64(uint64_t u) { return Number(static_cast<double>(u)); }
  bool Double(double d) { return Number(d); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }  // not asked for
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (!ValidUtf8(s, n)) return Fail("invalid UTF-8 in a string");
    JsonValue v = Of(JsonValue::Kind::kString);
    v.string.assign(s, n);
    return Add(std::move(v));
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (!ValidUtf8(s, n)) return Fail("invalid UTF-8 in a key");
    open_.back().key.assign(s, n);
    return true;
  }
  bool StartObject() { return Open(JsonValue::Kind::kObject); }
  bool StartArray() { return Open(JsonValue::Kind::kArray); }
  bool EndObject(rapidjson::SizeType) { return Close(); }
  bool EndArray(rapidjson::SizeType) { return Close(); }

  JsonValue& root() { return root_; }
  const char* why() const { return why_; }

 private:
  struct Frame {
    JsonValue value;
    std::string key;  // objects: the member whose value comes next
  };

  static JsonValue Of(JsonValue::Kind kind) {
    JsonValue v;
    v.kind = kind;
    return v;
  }

  bool Number(double d) {
    JsonValue v = Of(JsonValue::Kind::kNumber);
    v.number = d;
    return Add(std::move(v));
  }

  bool Open(JsonValue::Kind kind) {
    if (open_.size() > static_cast<size_t>(kMaxDepth)) return Fail("nesting too deep");
    open_.push_back({Of(kind), std::string()});
    return true;
  }

  bool Close() {
    JsonValue v = std::move(open_.back().value);
    open_.pop_back();
    return Add(std::move(v));
  }

  bool Add(JsonValue v) {
    if (open_.empty()) {
      root_ = std::move(v);
    } else if (Frame& top = open_.back(); top.value.kind == JsonValue::Kind::kObject) {
      top.value.object.emplace_back(std::move(top.key), std::move(v));
    } else {
      top.value.array.push_back(std::move(v));
    }
    return true;
  }

  bool Fail(const char* why) {
    why_ = why;
    return false;
  }

  std::vector<Frame> open_;  // the containers being read, outermost first
  JsonValue root_;
  const char* why_ = "";
};

// Bytes that end the plain run of a JSON string: its closing quote, an escape, and the control
// characters JSON forbids raw.
constexpr bool EndsPlainRun(unsigned char c) { return c == '"' || c == '\\' || c < 0x20; }

// The first byte in [p, end) that EndsPlainRun, or end; eight bytes at a time. Per word, the
// classic "has a zero byte" test ((x - 0x01..) & ~x & 0x80..) on w ^ '"', w ^ '\\', and its "has a
// byte below n" form on w: a borrow can only mark bytes above a true hit, so on a little-endian
// word the lowest marked byte is the first hit.
const char* FindPlainRunEnd(const char* p, const char* end) {
  static_assert(std::endian::native == std::endian::little, "the lowest marked byte is the first one");
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  for (; end - p >= 8; p += 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    const uint64_t quote = w ^ (kOnes * '"');
    const uint64_t backslash = w ^ (kOnes * '\\');
    const uint64_t hit = (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                          ((w - kOnes * 0x20) & ~w)) & kHigh;
    if (hit != 0) return p + (std::countr_zero(hit) >> 3);
  }
  while (p < end && !EndsPlainRun(static_cast<unsigned char>(*p))) ++p;
  return p;
}

// The object jsonb prints for a flat map of strings ({"k": "v", "k2": "v2"}, or as
// AppendMetadataJson writes it without the spaces) read in one pass, each key and value taken as a
// view of `json` and checked for UTF-8, with no copy into a scratch buffer as rapidjson's reader
// makes byte by byte. Returns false (leaving *out part-filled) at anything else: an escape, a
// control byte, a value that is not a string, any malformed text. ParseMetadataJson then runs the
// general reader from scratch, so what is accepted, and every error, is decided by one reader.
bool ParsePlainMetadata(std::string_view json, Metadata* out) {
  const char* p = json.data();
  const char* const end = p + json.size();
  auto skip_space = [&] {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) ++p;
  };
  // A string without escapes at p: its contents, or false.
  auto plain_string = [&](std::string_view* s) {
    if (p == end || *p != '"') return false;
    const char* const start = ++p;
    p = FindPlainRunEnd(p, end);
    if (p == end || *p != '"') return false;
    *s = std::string_view(start, static_cast<size_t>(p - start));
    ++p;
    return ValidUtf8PrefixFast(*s) == s->size();
  };
  skip_space();
  if (p == end || *p++ != '{') return false;
  skip_space();
  if (p < end && *p == '}') {
    ++p;
  } else {
    for (;;) {
      std::string_view key, value;
      if (!plain_string(&key)) return false;
      skip_space();
      if (p == end || *p++ != ':') return false;
      skip_space();
      if (!plain_string(&value)) return false;
      (*out)[key].assign(value.data(), value.size());  // a repeated key: the last one wins, as in jsonb
      skip_space();
      if (p == end) return false;
      if (*p == '}') {
        ++p;
        break;
      }
      if (*p++ != ',') return false;
      skip_space();
    }
  }
  skip_space();
  return p == end;
}

}  // namespace

void AppendMetadataJson(const Metadata& metadata, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [key, value] : metadata) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(key, out);
    out->push_back(':');
    AppendJsonString(value, out);
  }
  out->push_back('}');
}

Status ParseMetadataJson(std::string_view json, Metadata* out) {
  out->clear();
  if (ParsePlainMetadata(json, out)) return Status::Ok();
  out->clear();
  // The general reader, for metadata with escapes (or text that is wrong). Its stack holds the
  // string being decoded. Over a pool in this buffer, every string shorter than about 1 KB is
  // decoded without touching the heap; a longer one spills into 4 KB chunks.
  alignas(std::max_align_t) char buffer[1536];
  rapidjson::MemoryPoolAllocator<> pool(buffer, sizeof buffer, 4096);
  rapidjson::GenericReader<rapidjson::UTF8<>, rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>> reader(&pool, 256);
  MetadataHandler handler(out);
  // The first byte after any whitespace must open an object; rapidjson would take any value.
  const size_t first = json.find_first_not_of(kSpace);
  Status s = first != std::string_view::npos && json[first] == '{'
                 ? Run(reader, json, handler)
                 : InvalidArgumentError("json: expected '{' at byte " +
                                        std::to_string(first == std::string_view::npos ? json.size() : first));
  if (!s.ok()) {
    out->clear();
    return DataLossError("metadata: stored value is not an object of strings: " + s.message());
  }
  return Status::Ok();
}

JsonValue::JsonValue() = default;

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const auto& [k, v] : object) {
    if (k == key) return &v;
  }
  return nullptr;
}

Result<JsonValue> ParseJson(std::string_view json) {
  rapidjson::Reader reader;
  TreeHandler handler;
  CHINOOK_RETURN_IF_ERROR(Run(reader, json, handler));
  return std::move(handler.root());
}

}  // namespace chinook::repository
