// UTF-8, the one module for it: validation (as proto3 requires of every string field), decoding one
// code point at a time (the repository's validation, the compare tool's escaping of terminal
// output) and encoding one (the JSON readers' \uXXXX escapes). One table of well-formed sequences
// (Unicode Table 3-7) serves every reader.
//
// Thread safety: pure functions.
#ifndef CHINOOK_COMMON_UTF8_H_
#define CHINOOK_COMMON_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace chinook {

// Returns the length of the longest valid UTF-8 prefix of `s`: s.size() when all of it is valid.
// Rejects overlong forms, surrogates (U+D800..U+DFFF) and code points above U+10FFFF, as
// libprotobuf's validator does.
size_t ValidUtf8Prefix(std::string_view s);

// Decodes the code point that starts at s[*i] and advances *i past it. Returns -1, leaving *i,
// when the bytes there are not well-formed UTF-8 (same rules as ValidUtf8Prefix).
// REQUIRES: *i < s.size().
int32_t DecodeUtf8(std::string_view s, size_t* i);

inline bool IsValidUtf8(std::string_view s) { return ValidUtf8Prefix(s) == s.size(); }

// ValidUtf8Prefix with the all-ASCII case inlined: most customer strings are short and ASCII, and
// the call would cost more than the check. Short strings take one or two overlapping loads instead
// of a byte loop (whose varying trip count the branch predictor misses); every byte of `s` is
// checked and none outside it is read.
inline size_t ValidUtf8PrefixFast(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t any;
  if (n >= 8) {
    std::memcpy(&any, p + n - 8, 8);  // the last eight bytes; the loop covers those before
    for (size_t i = 0; i + 8 < n; i += 8) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      any |= word;
    }
  } else if (n >= 4) {
    uint32_t head, tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    any = head | tail;
  } else if (n > 0) {  // 1-3 bytes: first, middle, last cover them all
    any = static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[n / 2]) |
          static_cast<unsigned char>(p[n - 1]);
  } else {
    return 0;
  }
  return (any & 0x8080808080808080ull) == 0 ? n : ValidUtf8Prefix(s);
}

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

#endif  // CHINOOK_COMMON_UTF8_H_
