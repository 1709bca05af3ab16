#include "common/json_writer.h"

#include <rapidjson/writer.h>

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

void AppendJsonString(std::string_view s, std::string* out) {
  std::string scratch;  // stays empty (no allocation) for valid text
  const std::string_view text = ReplaceInvalidUtf8(s, &scratch);
  JsonStringStream stream(out);
  // A root-level string touches no level stack, so the writer allocates nothing.
  rapidjson::Writer<JsonStringStream> writer(stream);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

}  // namespace chinook
