#include "cache/md5.h"

// libmd's RFC 1321 implementation (Debian libmd-dev), the one that BSD's libc ships.
#include <md5.h>

namespace chinook::cache::internal {

std::array<uint8_t, 16> Md5(std::string_view data) {
  static_assert(MD5_DIGEST_LENGTH == 16);
  MD5_CTX ctx;
  MD5Init(&ctx);
  MD5Update(&ctx, reinterpret_cast<const uint8_t*>(data.data()), data.size());
  std::array<uint8_t, 16> digest;
  MD5Final(digest.data(), &ctx);
  return digest;
}

}  // namespace chinook::cache::internal
