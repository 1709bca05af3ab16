// UTF-8 validation, as proto3 requires of every string field, and decoding one code point at a
// time (the repository's validation looks at code points). One table of well-formed sequences
// (Unicode Table 3-7) serves both.
//
// Thread safety: pure functions.
#ifndef CHINOOK_SERIALIZATION_UTF8_H_
#define CHINOOK_SERIALIZATION_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace chinook::serialization {

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
// the call would cost more than the check.
inline size_t ValidUtf8PrefixFast(std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t any = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    any |= word;
  }
  for (; i < n; ++i) any |= static_cast<unsigned char>(p[i]);
  return (any & 0x8080808080808080ull) == 0 ? n : ValidUtf8Prefix(s);
}

}  // namespace chinook::serialization

#endif  // CHINOOK_SERIALIZATION_UTF8_H_
