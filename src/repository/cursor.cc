#include "repository/cursor.h"

#include "pg/wire.h"
#include "repository/validation.h"

namespace chinook::repository {
namespace {

constexpr char kVersion = 1;
constexpr size_t kChecksumBytes = 4;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

uint32_t Fnv1a(std::string_view bytes) {
  uint32_t h = 2166136261u;  // FNV-1a 32-bit offset basis and prime
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

Status Malformed(std::string_view why) {
  return InvalidArgumentError("cursor: not a cursor returned by List (" + std::string(why) + ")");
}

}  // namespace

std::string EncodeCursor(int64_t created_at_unix_micros, std::string_view id) {
  std::string raw;
  raw.push_back(kVersion);
  pg::PutBigEndian64(&raw, created_at_unix_micros);
  raw.append(id);
  pg::PutBigEndian32(&raw, static_cast<int32_t>(Fnv1a(raw)));
  std::string out;
  out.reserve((raw.size() * 4 + 2) / 3);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : raw) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

Result<KeysetPosition> DecodeCursor(std::string_view cursor) {
  if (cursor.size() > kMaxCursorChars) return Malformed("too long");
  if (cursor.size() % 4 == 1) return Malformed("bad length");
  std::string raw;
  raw.reserve(cursor.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : cursor) {
    const int v = Base64Value(c);
    if (v < 0) return Malformed("invalid character");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      raw.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  if ((acc & ((1u << bits) - 1)) != 0) return Malformed("bad padding bits");
  if (raw.size() < 1 + 8 + 1 + kChecksumBytes) return Malformed("too short");
  const std::string_view body(raw.data(), raw.size() - kChecksumBytes);
  if (static_cast<uint32_t>(pg::ReadBigEndian32(raw.data() + body.size())) != Fnv1a(body)) {
    return Malformed("checksum mismatch");
  }
  if (body[0] != kVersion) return Malformed("unknown version");
  KeysetPosition pos;
  pos.created_at_unix_micros = pg::ReadBigEndian64(body.data() + 1);
  pos.id.assign(body.substr(1 + 8));
  if (!ValidateId(pos.id).ok()) return Malformed("bad id");
  return pos;
}

}  // namespace chinook::repository
