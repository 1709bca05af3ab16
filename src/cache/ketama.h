// A consistent-hash ring compatible with ketama as twemproxy and libmemcached implement it, so
// that any ketama client configured with the same server names puts a key on the same server.
//
// Each server contributes 160 points: for n in 0..39, MD5("<name>-<n>") yields 16 bytes, read as
// four little-endian 32-bit points. A key hashes to the first 4 bytes of its MD5 (little-endian)
// and belongs to the server of the first point at or after that value, wrapping to the lowest
// point. When two servers produce the same point, the one listed later owns it (as Couchbase's
// reference vectors and a stable sort give). Adding or removing one of N servers moves about 1/N
// of the keys; the others stay put.
//
// Thread safety: immutable after construction; all methods may be called concurrently.
#ifndef CHINOOK_CACHE_KETAMA_H_
#define CHINOOK_CACHE_KETAMA_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chinook::cache {

class KetamaRing {
 public:
  static constexpr int kPointsPerServer = 160;  // as twemproxy and libmemcached
  static constexpr int kPointsPerDigest = 4;    // an MD5 digest is four 32-bit points

  struct Point {
    uint32_t value;
    uint32_t server;  // index into servers()
  };

  // REQUIRES: !server_names.empty().
  explicit KetamaRing(std::vector<std::string> server_names);

  // The index (into the names given) of the server that owns `key`.
  size_t ServerFor(std::string_view key) const { return ServerForHash(KeyHash(key)); }
  size_t ServerForHash(uint32_t hash) const;
  static uint32_t KeyHash(std::string_view key);

  // The name twemproxy gives a server configured without an explicit name: "host:port", or just
  // "host" for port 11211 (kept out of the hash for libmemcached compatibility).
  static std::string DefaultServerName(std::string_view host, int port);

  const std::vector<std::string>& servers() const { return servers_; }
  const std::vector<Point>& points() const { return points_; }  // sorted by value

 private:
  std::vector<std::string> servers_;
  std::vector<Point> points_;
};

}  // namespace chinook::cache

#endif  // CHINOOK_CACHE_KETAMA_H_
