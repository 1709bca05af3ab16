#include "common/utf8.h"

#include <cstdint>
#include <cstring>

namespace chinook {

int32_t DecodeUtf8(std::string_view s, size_t* i) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  const uint8_t c = p[*i];
  if (c < 0x80) {
    ++*i;
    return c;
  }
  // Table 3-7 of the Unicode standard: well-formed byte sequences.
  size_t len;
  int32_t cp;
  uint8_t lo = 0x80, hi = 0xBF;  // bounds of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;       // no overlong forms
    else if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07;
    if (c == 0xF0) lo = 0x90;       // no overlong forms
    else if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return -1;
  }
  if (*i + len > n) return -1;
  if (p[*i + 1] < lo || p[*i + 1] > hi) return -1;
  for (size_t k = 1; k < len; ++k) {
    if ((p[*i + k] & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (p[*i + k] & 0x3F);
  }
  *i += len;
  return cp;
}

size_t ValidUtf8Prefix(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // ASCII fast path, eight bytes at a time: most customer data is ASCII.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if (word & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    // Text with accents mixes ASCII and two-byte sequences ("Müller"): both inline, the rest
    // (three- and four-byte sequences, errors) through DecodeUtf8.
    const uint8_t c = p[i];
    if (c < 0x80) {
      ++i;
    } else if (c >= 0xC2 && c <= 0xDF && i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
      i += 2;
    } else if (DecodeUtf8(s, &i) < 0) {
      return i;
    }
  }
  return n;
}

}  // namespace chinook
