#include "repository/validation.h"

#include <cstdint>
#include <string>
#include <unordered_map>

namespace chinook::repository {
namespace {

// Smallest and largest seconds of a year-1 .. year-9999 timestamp, the protobuf Timestamp range.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

// Decodes the code point at s[*i] and advances *i; -1 when the bytes there are not UTF-8.
int32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len;
  int32_t cp;
  int32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (*i + len > s.size()) return -1;
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + k]);
    if ((b & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *i += len;
  return cp;
}

bool IsControl(int32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// UTF-8 without NUL: what any PostgreSQL text value must be.
Status CheckText(std::string_view field, std::string_view value) {
  size_t i = 0;
  while (i < value.size()) {
    const size_t at = i;
    const int32_t cp = NextCodePoint(value, &i);
    if (cp < 0) {
      return InvalidArgumentError(std::string(field) + ": not valid UTF-8 at byte " + std::to_string(at));
    }
    if (cp == 0) return InvalidArgumentError(std::string(field) + ": contains NUL at byte " + std::to_string(at));
  }
  return Status::Ok();
}

bool IsAsciiAlnum(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

Status CheckTimestamp(std::string_view field, const google::protobuf::Timestamp& t) {
  if (t.seconds() < kMinTimestampSeconds || t.seconds() > kMaxTimestampSeconds) {
    return InvalidArgumentError(std::string(field) + ": seconds out of range (years 1-9999)");
  }
  if (t.nanos() < 0 || t.nanos() > 999999999) {
    return InvalidArgumentError(std::string(field) + ": nanos out of range [0, 999999999]");
  }
  return Status::Ok();
}

}  // namespace

Status ValidateId(std::string_view id) {
  if (id.empty()) return InvalidArgumentError("id: empty");
  size_t i = 0;
  size_t chars = 0;
  while (i < id.size()) {
    const size_t at = i;
    const int32_t cp = NextCodePoint(id, &i);
    if (cp < 0) return InvalidArgumentError("id: not valid UTF-8 at byte " + std::to_string(at));
    if (IsControl(cp)) return InvalidArgumentError("id: control character at byte " + std::to_string(at));
    if (++chars > kMaxIdChars) {
      return InvalidArgumentError("id: longer than " + std::to_string(kMaxIdChars) + " characters");
    }
  }
  return Status::Ok();
}

Status ValidateEmail(std::string_view email) {
  if (email.empty()) return InvalidArgumentError("email: empty");
  if (email.size() > kMaxEmailBytes) {
    return InvalidArgumentError("email: longer than " + std::to_string(kMaxEmailBytes) + " bytes");
  }
  CHINOOK_RETURN_IF_ERROR(CheckText("email", email));
  const size_t at = email.find('@');
  if (at == std::string_view::npos) return InvalidArgumentError("email: missing '@'");
  if (email.find('@', at + 1) != std::string_view::npos) return InvalidArgumentError("email: more than one '@'");
  const std::string_view local = email.substr(0, at);
  const std::string_view domain = email.substr(at + 1);
  if (local.empty()) return InvalidArgumentError("email: empty local part before '@'");
  if (local.size() > kMaxEmailLocalBytes) {
    return InvalidArgumentError("email: local part longer than " + std::to_string(kMaxEmailLocalBytes) + " bytes");
  }
  for (char c : local) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F) {
      return InvalidArgumentError("email: whitespace or control character in the local part");
    }
  }
  if (domain.find('.') == std::string_view::npos) return InvalidArgumentError("email: domain has no '.'");
  size_t label_start = 0;
  while (label_start <= domain.size()) {
    size_t dot = domain.find('.', label_start);
    if (dot == std::string_view::npos) dot = domain.size();
    const std::string_view label = domain.substr(label_start, dot - label_start);
    if (label.empty()) return InvalidArgumentError("email: empty label in the domain");
    if (label.front() == '-' || label.back() == '-') {
      return InvalidArgumentError("email: domain label starts or ends with '-'");
    }
    for (char c : label) {
      // ASCII letters, digits and '-', or any non-ASCII (internationalized domain names).
      if (!IsAsciiAlnum(c) && c != '-' && static_cast<unsigned char>(c) < 0x80) {
        return InvalidArgumentError("email: invalid character in the domain");
      }
    }
    label_start = dot + 1;
  }
  return Status::Ok();
}

Status ValidatePhone(std::string_view phone) {
  if (phone.empty()) return Status::Ok();  // no phone
  if (phone.front() != '+') return InvalidArgumentError("phone: not E.164: must start with '+'");
  const std::string_view digits = phone.substr(1);
  if (digits.size() < kMinPhoneDigits || digits.size() > kMaxPhoneDigits) {
    return InvalidArgumentError("phone: not E.164: needs " + std::to_string(kMinPhoneDigits) + "-" +
                                std::to_string(kMaxPhoneDigits) + " digits after '+'");
  }
  for (char c : digits) {
    if (c < '0' || c > '9') return InvalidArgumentError("phone: not E.164: only digits may follow '+'");
  }
  if (digits.front() == '0') return InvalidArgumentError("phone: not E.164: country code starts with 0");
  return Status::Ok();
}

Status ValidateCustomer(const Customer& c) {
  CHINOOK_RETURN_IF_ERROR(ValidateId(c.id()));
  CHINOOK_RETURN_IF_ERROR(ValidateEmail(c.email()));
  if (c.name().empty()) return InvalidArgumentError("name: empty");
  if (c.name().size() > kMaxNameBytes) {
    return InvalidArgumentError("name: longer than " + std::to_string(kMaxNameBytes) + " bytes");
  }
  CHINOOK_RETURN_IF_ERROR(CheckText("name", c.name()));
  CHINOOK_RETURN_IF_ERROR(ValidatePhone(c.phone()));
  if (static_cast<size_t>(c.metadata_size()) > kMaxMetadataEntries) {
    return InvalidArgumentError("metadata: more than " + std::to_string(kMaxMetadataEntries) + " entries");
  }
  size_t bytes = 0;
  for (const auto& [key, value] : c.metadata()) {
    if (key.empty()) return InvalidArgumentError("metadata: empty key");
    CHINOOK_RETURN_IF_ERROR(CheckText("metadata key", key));
    // The key is valid UTF-8 now, and short enough to name the entry in a message.
    const std::string where = key.size() <= 64 ? "metadata[\"" + key + "\"]" : "metadata value";
    CHINOOK_RETURN_IF_ERROR(CheckText(where, value));
    bytes += key.size() + value.size();
  }
  if (bytes > kMaxMetadataBytes) {
    return InvalidArgumentError("metadata: keys and values exceed " + std::to_string(kMaxMetadataBytes) + " bytes");
  }
  if (c.has_created_at()) CHINOOK_RETURN_IF_ERROR(CheckTimestamp("created_at", c.created_at()));
  if (c.has_updated_at()) CHINOOK_RETURN_IF_ERROR(CheckTimestamp("updated_at", c.updated_at()));
  return Status::Ok();
}

Status ValidateBatch(std::span<const Customer> customers) {
  std::unordered_map<std::string_view, size_t> first_row;
  first_row.reserve(customers.size());
  for (size_t row = 0; row < customers.size(); ++row) {
    if (Status s = ValidateCustomer(customers[row]); !s.ok()) return s.Annotate("row " + std::to_string(row));
    auto [it, inserted] = first_row.emplace(customers[row].id(), row);
    if (!inserted) {
      return AlreadyExistsError("row " + std::to_string(row) + ": id: same id as row " + std::to_string(it->second));
    }
  }
  return Status::Ok();
}

}  // namespace chinook::repository
