// PostgreSQL binary wire helpers: big-endian integers and the timestamptz epoch.
//
// PostgreSQL's binary formats (parameters, results, COPY BINARY) are network byte order, and
// timestamptz is int64 microseconds since 2000-01-01 00:00:00 UTC.
//
// Thread safety: pure functions.
#ifndef CHINOOK_PG_WIRE_H_
#define CHINOOK_PG_WIRE_H_

#include <cstdint>
#include <cstring>
#include <string>

namespace chinook::pg {

// Seconds from the Unix epoch to PostgreSQL's (2000-01-01 UTC).
inline constexpr int64_t kPgEpochUnixSeconds = 946684800;
inline constexpr int64_t kPgEpochUnixMicros = kPgEpochUnixSeconds * 1000000;

inline int64_t UnixMicrosToPg(int64_t unix_micros) { return unix_micros - kPgEpochUnixMicros; }
inline int64_t PgMicrosToUnix(int64_t pg_micros) { return pg_micros + kPgEpochUnixMicros; }

inline void PutBigEndian16(std::string* out, int16_t v) {
  const uint16_t u = static_cast<uint16_t>(v);
  const char b[2] = {static_cast<char>(u >> 8), static_cast<char>(u)};
  out->append(b, 2);
}

inline void PutBigEndian32(std::string* out, int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  const char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
                     static_cast<char>(u)};
  out->append(b, 4);
}

inline void PutBigEndian64(std::string* out, int64_t v) {
  PutBigEndian32(out, static_cast<int32_t>(static_cast<uint64_t>(v) >> 32));
  PutBigEndian32(out, static_cast<int32_t>(static_cast<uint64_t>(v)));
}

// REQUIRES: `p` points at 4 (8) readable bytes.
inline int32_t ReadBigEndian32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<int32_t>((uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) |
                              uint32_t{u[3]});
}

inline int64_t ReadBigEndian64(const char* p) {
  return static_cast<int64_t>((static_cast<uint64_t>(static_cast<uint32_t>(ReadBigEndian32(p))) << 32) |
                              static_cast<uint32_t>(ReadBigEndian32(p + 4)));
}

}  // namespace chinook::pg

#endif  // CHINOOK_PG_WIRE_H_
