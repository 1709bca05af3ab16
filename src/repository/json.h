// The JSON the repository needs: customer metadata as a flat jsonb object of strings, and a
// small general reader for the plans chinook-explain receives. Both read with rapidjson's SAX
// reader (metadata straight into the map, no document) and write strings with the tree's one
// writer, chinook::AppendJsonString. Metadata without escapes (nearly all of it) is read first by a
// one-pass scanner that takes its strings as views; anything else goes to the SAX reader, which
// alone decides what is accepted and how an error reads.
//
// Metadata is written with every control character, '"' and '\' escaped and everything else
// as raw UTF-8, which jsonb accepts and stores unchanged; reading accepts whatever jsonb prints
// (spaces after ':' and ',', \uXXXX escapes including surrogate pairs) and refuses strings that
// are not UTF-8.
//
// Thread safety: pure functions; JsonValue is a value.
#ifndef CHINOOK_REPOSITORY_JSON_H_
#define CHINOOK_REPOSITORY_JSON_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/map.h>

#include "chinook/status.h"

namespace chinook::repository {

using Metadata = google::protobuf::Map<std::string, std::string>;

// Appends `{"key": "value", ...}`. REQUIRES: keys and values are valid UTF-8 without NUL.
void AppendMetadataJson(const Metadata& metadata, std::string* out);
// Replaces *out with the object in `json`. DataLoss when `json` is not an object of strings.
[[nodiscard]] Status ParseMetadataJson(std::string_view json, Metadata* out);

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  // Declared here and defaulted in json.cc: `object` holds pairs of this still-incomplete type,
  // which libstdc++'s std::pair cannot check for default-constructibility (clang rejects the
  // implicit constructor; GCC happens to accept it).
  JsonValue();
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;  // in document order

  // The member named `key` of an object, or null.
  const JsonValue* Find(std::string_view key) const;
};

// InvalidArgument (with the byte offset) when `json` is not one JSON value. Nesting is limited
// to 256 levels so that hostile input cannot exhaust the stack.
[[nodiscard]] Result<JsonValue> ParseJson(std::string_view json);

}  // namespace chinook::repository

#endif  // CHINOOK_REPOSITORY_JSON_H_
