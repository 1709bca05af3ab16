// The one JSON string writer of the tree: rapidjson's Writer does the escaping (", \, and every
// control character, as \n or \u00XX), so each tool and the repository write strings the same way.
//
// Text that is not valid UTF-8 (a benchmark name with a stray byte, a path from a Latin-1
// filesystem) would make the output invalid JSON, which strict readers refuse whole; each byte that
// is not part of a well-formed sequence is written as U+FFFD instead, so the rest survives.
//
// Structure ({, [, commas) is the caller's: the metadata path writes its flat object itself, and
// callers that want indentation drive a rapidjson::PrettyWriter over JsonStringStream.
//
// Thread safety: pure functions; a JsonStringStream is used by one writer at a time.
#ifndef CHINOOK_COMMON_JSON_WRITER_H_
#define CHINOOK_COMMON_JSON_WRITER_H_

#include <string>
#include <string_view>

namespace chinook {

// A rapidjson output stream that appends to a std::string (rapidjson's StringBuffer would be a
// second buffer and a copy).
class JsonStringStream {
 public:
  using Ch = char;
  explicit JsonStringStream(std::string* out) : out_(out) {}
  void Put(char c) { out_->push_back(c); }
  void Flush() {}

 private:
  std::string* out_;
};

// `s` when it is valid UTF-8 (no copy); otherwise `s` with each byte that does not belong to a
// well-formed sequence replaced by U+FFFD, in *scratch, and a view of *scratch.
std::string_view ReplaceInvalidUtf8(std::string_view s, std::string* scratch);

// Appends `s` as a JSON string literal, quotes included (invalid UTF-8 as U+FFFD).
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace chinook

#endif  // CHINOOK_COMMON_JSON_WRITER_H_
