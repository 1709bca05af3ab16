#include "common/json_writer.h"

#include <rapidjson/writer.h>

#include <algorithm>

#include "common/utf8.h"

namespace chinook {

std::string_view ReplaceInvalidUtf8(std::string_view s, std::string* scratch) {
  size_t i = ValidUtf8PrefixFast(s);
  if (i == s.size()) return s;
  scratch->assign(s.substr(0, i));
  while (i < s.size()) {
    const size_t start = i;
    if (DecodeUtf8(s, &i) < 0) {
      scratch->append("\xEF\xBF\xBD");  // U+FFFD, for this byte alone
      ++i;
    } else {
      scratch->append(s.substr(start, i - start));
    }
  }
  return *scratch;
}

namespace {

// What rapidjson's Writer escapes (its kEscape table, default flags): control characters, the
// quote and the backslash. Everything else, UTF-8 sequences included, it copies as it is.
bool NeedsEscape(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == '"' || u == '\\';
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  std::string scratch;  // stays empty (no allocation) for valid text
  const std::string_view text = ReplaceInvalidUtf8(s, &scratch);
  // Nearly all text (metadata keys and values, benchmark names) needs no escape: one append,
  // byte for byte what the Writer would put, without its call per character.
  if (std::none_of(text.begin(), text.end(), NeedsEscape)) {
    out->reserve(out->size() + text.size() + 2);
    out->push_back('"');
    out->append(text);
    out->push_back('"');
    return;
  }
  JsonStringStream stream(out);
  // A root-level string touches no level stack, so the writer allocates nothing.
  rapidjson::Writer<JsonStringStream> writer(stream);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

}  // namespace chinook
