// The opaque keyset cursor of CustomerRepository::List.
//
// A cursor names the last customer of a page by its sort key (created_at, id). It is
// base64url (no padding) of: version byte, created_at as int64 microseconds since the Unix epoch
// (big-endian), the id's bytes, and a 32-bit FNV-1a checksum of everything before it. The checksum
// and the version make a mistyped, truncated or foreign string InvalidArgument instead of a page
// from a random position; a cursor is not a secret (a client could forge one) and needs no MAC.
//
// Thread safety: pure functions.
#ifndef CHINOOK_REPOSITORY_CURSOR_H_
#define CHINOOK_REPOSITORY_CURSOR_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "chinook/status.h"

namespace chinook::repository {

struct KeysetPosition {
  int64_t created_at_unix_micros = 0;
  std::string id;
};

// Longest cursor DecodeCursor accepts: a version, a timestamp, a 64-character id of up to 4
// bytes each and a checksum, in base64.
inline constexpr size_t kMaxCursorChars = 4 * (1 + 8 + 64 * 4 + 4) / 3 + 4;

std::string EncodeCursor(int64_t created_at_unix_micros, std::string_view id);
// InvalidArgument ("cursor: ...") for anything EncodeCursor did not produce.
[[nodiscard]] Result<KeysetPosition> DecodeCursor(std::string_view cursor);

}  // namespace chinook::repository

#endif  // CHINOOK_REPOSITORY_CURSOR_H_
