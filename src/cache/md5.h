// MD5 (RFC 1321; libmd computes it), only for placing keys on the ketama ring, where MD5 is part of
// the contract that other ketama clients (twemproxy, libmemcached) follow, and for trace keys.
// Not for anything needing security.
//
// Thread safety: a pure function.
#ifndef CHINOOK_CACHE_MD5_H_
#define CHINOOK_CACHE_MD5_H_

#include <array>
#include <cstdint>
#include <string_view>

namespace chinook::cache::internal {

std::array<uint8_t, 16> Md5(std::string_view data);

}  // namespace chinook::cache::internal

#endif  // CHINOOK_CACHE_MD5_H_
