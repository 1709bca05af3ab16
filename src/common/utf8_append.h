// Encoding one Unicode code point as UTF-8, for the JSON readers (\uXXXX escapes).
#ifndef CHINOOK_COMMON_UTF8_APPEND_H_
#define CHINOOK_COMMON_UTF8_APPEND_H_

#include <cstdint>
#include <string>

namespace chinook {

// Appends code point `cp` as UTF-8. REQUIRES: cp <= 0x10FFFF and not a surrogate.
inline void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace chinook

#endif  // CHINOOK_COMMON_UTF8_APPEND_H_
