#include "repository/json.h"

#include "common/utf8.h"

#include <cstdint>
#include <cstdlib>
#include <tuple>

namespace chinook::repository {
namespace {

constexpr int kMaxDepth = 256;

void AppendEscaped(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (u < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xF]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

// A cursor over JSON text shared by the metadata reader and the general parser.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  void SkipSpace() {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek() const { return pos_ < in_.size() ? in_[pos_] : '\0'; }
  bool Consume(char c) {
    SkipSpace();
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  size_t pos() const { return pos_; }

  Status Error(std::string_view what) const {
    return InvalidArgumentError("json: " + std::string(what) + " at byte " + std::to_string(pos_));
  }

  // Reads a string literal (the opening quote is next) into *out.
  Status ReadString(std::string* out) {
    out->clear();
    if (!Consume('"')) return Error("expected a string");
    for (;;) {
      if (AtEnd()) return Error("unterminated string");
      const char c = in_[pos_++];
      if (c == '"') return Status::Ok();
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in a string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (AtEnd()) return Error("unterminated escape");
      switch (const char e = in_[pos_++]) {
        case '"': case '\\': case '/': out->push_back(e); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          CHINOOK_RETURN_IF_ERROR(ReadHex4(&cp));
          if (cp >= 0xD800 && cp <= 0xDBFF) {  // a high surrogate must pair with a low one
            uint32_t low = 0;
            if (pos_ + 2 > in_.size() || in_[pos_] != '\\' || in_[pos_ + 1] != 'u') return Error("unpaired surrogate");
            pos_ += 2;
            CHINOOK_RETURN_IF_ERROR(ReadHex4(&low));
            if (low < 0xDC00 || low > 0xDFFF) return Error("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Error("unpaired surrogate");
          }
          AppendUtf8(cp, out);
          break;
        }
        default: return Error("invalid escape");
      }
    }
  }

  Status ReadValue(JsonValue* v, int depth) {
    if (depth > kMaxDepth) return Error("nesting too deep");
    SkipSpace();
    const char c = Peek();
    if (c == '"') {
      v->kind = JsonValue::Kind::kString;
      return ReadString(&v->string);
    }
    if (c == '{') {
      ++pos_;
      v->kind = JsonValue::Kind::kObject;
      if (Consume('}')) return Status::Ok();
      do {
        std::string key;
        CHINOOK_RETURN_IF_ERROR(ReadString(&key));
        if (!Consume(':')) return Error("expected ':'");
        JsonValue member;
        CHINOOK_RETURN_IF_ERROR(ReadValue(&member, depth + 1));
        v->object.emplace_back(std::move(key), std::move(member));
      } while (Consume(','));
      return Consume('}') ? Status::Ok() : Error("expected ',' or '}'");
    }
    if (c == '[') {
      ++pos_;
      v->kind = JsonValue::Kind::kArray;
      if (Consume(']')) return Status::Ok();
      do {
        v->array.emplace_back();
        CHINOOK_RETURN_IF_ERROR(ReadValue(&v->array.back(), depth + 1));
      } while (Consume(','));
      return Consume(']') ? Status::Ok() : Error("expected ',' or ']'");
    }
    for (auto [word, kind, value] : {std::tuple{"true", JsonValue::Kind::kBool, true},
                                     {"false", JsonValue::Kind::kBool, false},
                                     {"null", JsonValue::Kind::kNull, false}}) {
      if (in_.substr(pos_).starts_with(word)) {
        pos_ += std::string_view(word).size();
        v->kind = kind;
        v->boolean = value;
        return Status::Ok();
      }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      const size_t start = pos_;
      while (pos_ < in_.size() && std::string_view("+-.eE0123456789").find(in_[pos_]) != std::string_view::npos) ++pos_;
      const std::string text(in_.substr(start, pos_ - start));
      char* end = nullptr;
      v->kind = JsonValue::Kind::kNumber;
      v->number = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size()) return Error("malformed number");
      return Status::Ok();
    }
    return Error("unexpected character");
  }

 private:
  Status ReadHex4(uint32_t* cp) {
    if (pos_ + 4 > in_.size()) return Error("truncated \\u escape");
    *cp = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = in_[pos_++];
      *cp <<= 4;
      if (h >= '0' && h <= '9') *cp |= h - '0';
      else if ((h | 0x20) >= 'a' && (h | 0x20) <= 'f') *cp |= (h | 0x20) - 'a' + 10;
      else return Error("bad hex digit in \\u escape");
    }
    return Status::Ok();
  }

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace

void AppendMetadataJson(const Metadata& metadata, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (const auto& [key, value] : metadata) {
    if (!first) out->push_back(',');
    first = false;
    AppendEscaped(key, out);
    out->push_back(':');
    AppendEscaped(value, out);
  }
  out->push_back('}');
}

Status ParseMetadataJson(std::string_view json, Metadata* out) {
  out->clear();
  Reader r(json);
  auto corrupt = [&](const Status& why) { return DataLossError("metadata: stored value is not an object of strings: " + why.message()); };
  if (!r.Consume('{')) return corrupt(r.Error("expected '{'"));
  if (!r.Consume('}')) {
    std::string key;
    std::string value;
    do {
      if (Status s = r.ReadString(&key); !s.ok()) return corrupt(s);
      if (!r.Consume(':')) return corrupt(r.Error("expected ':'"));
      if (Status s = r.ReadString(&value); !s.ok()) return corrupt(s);
      (*out)[key] = value;
    } while (r.Consume(','));
    if (!r.Consume('}')) return corrupt(r.Error("expected ',' or '}'"));
  }
  r.SkipSpace();
  if (!r.AtEnd()) return corrupt(r.Error("trailing characters"));
  return Status::Ok();
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  for (const auto& [k, v] : object) {
    if (k == key) return &v;
  }
  return nullptr;
}

Result<JsonValue> ParseJson(std::string_view json) {
  Reader r(json);
  JsonValue v;
  CHINOOK_RETURN_IF_ERROR(r.ReadValue(&v, 0));
  r.SkipSpace();
  if (!r.AtEnd()) return r.Error("trailing characters");
  return v;
}

}  // namespace chinook::repository
