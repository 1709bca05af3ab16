#include "repository/validation.h"

#include <cstdint>
#include <string>
#include <functional>
#include <string_view>
#include <vector>

#include "common/utf8.h"

namespace chinook::repository {
namespace {

// Smallest and largest seconds of a year-1 .. year-9999 timestamp, the protobuf Timestamp range.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

std::string At(size_t byte) { return " at byte " + std::to_string(byte); }

// "U+202E": names the offending character without echoing the value around it.
std::string CodePointName(int32_t cp) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "U+";
  const int digits = cp > 0xFFFF ? (cp > 0xFFFFF ? 6 : 5) : 4;
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) out.push_back(kHex[(cp >> shift) & 0xF]);
  return out;
}

// General category Cc (C0, DEL, C1).
bool IsControl(int32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Characters that render as nothing or reorder what follows: general category Cf (format: the
// bidirectional embeddings, overrides and isolates U+202A-U+202E and U+2066-U+2069, the marks
// U+200E/U+200F/U+061C, the zero-width U+200B-U+200D, U+2060 and U+FEFF, soft hyphen, tags) and
// the line/paragraph separators U+2028/U+2029. In an identifier they make two different ids look
// alike, or one look like another ("Trojan Source", CVE-2021-42574).
bool IsInvisibleOrBidi(int32_t cp) {
  if (cp < 0xAD) return false;  // the fast answer for ASCII and most Latin-1
  return cp == 0xAD || (cp >= 0x600 && cp <= 0x605) || cp == 0x61C || cp == 0x6DD || cp == 0x70F ||
         (cp >= 0x890 && cp <= 0x891) || cp == 0x8E2 || cp == 0x180E || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x206F) || cp == 0xFEFF ||
         (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0x110BD || cp == 0x110CD || (cp >= 0x13430 && cp <= 0x1343F) ||
         (cp >= 0x1BCA0 && cp <= 0x1BCA3) || (cp >= 0x1D173 && cp <= 0x1D17A) || cp == 0xE0001 ||
         (cp >= 0xE0020 && cp <= 0xE007F);
}

// Unicode White_Space (the controls among them are refused earlier anyway).
bool IsWhitespace(int32_t cp) {
  return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

// UTF-8 without NUL: what any PostgreSQL text value must be.
Status CheckText(std::string_view field, std::string_view value) {
  size_t i = 0;
  while (i < value.size()) {
    const size_t at = i;
    // ASCII, most of any text, is decoded inline: a byte below 0x80 is its own code point.
    const auto byte = static_cast<unsigned char>(value[i]);
    const int32_t cp = byte < 0x80 ? (++i, byte) : DecodeUtf8(value, &i);
    if (cp < 0) return InvalidArgumentError(std::string(field) + ": not valid UTF-8" + At(at));
    if (cp == 0) return InvalidArgumentError(std::string(field) + ": contains NUL" + At(at));
  }
  return Status::Ok();
}

// CheckText, and no control, invisible or bidirectional formatting character: for identifiers.
Status CheckIdentifierText(std::string_view field, std::string_view value, size_t* chars, bool* visible) {
  size_t i = 0;
  while (i < value.size()) {
    const size_t at = i;
    const auto byte = static_cast<unsigned char>(value[i]);
    const int32_t cp = byte < 0x80 ? (++i, byte) : DecodeUtf8(value, &i);  // ASCII inline, as in CheckText
    if (cp < 0) return InvalidArgumentError(std::string(field) + ": not valid UTF-8" + At(at));
    if (IsControl(cp)) {
      return InvalidArgumentError(std::string(field) + ": control character " + CodePointName(cp) + At(at));
    }
    if (IsInvisibleOrBidi(cp)) {
      return InvalidArgumentError(std::string(field) + ": invisible or bidirectional formatting character " +
                                  CodePointName(cp) + At(at));
    }
    if (!IsWhitespace(cp)) *visible = true;
    ++*chars;
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
  // The length is checked in bytes first (4 per character at most), so a huge id is refused
  // without decoding it.
  if (id.size() > 4 * kMaxIdChars) {
    return InvalidArgumentError("id: longer than " + std::to_string(kMaxIdChars) + " characters");
  }
  size_t chars = 0;
  bool visible = false;
  CHINOOK_RETURN_IF_ERROR(CheckIdentifierText("id", id, &chars, &visible));
  if (chars > kMaxIdChars) {
    return InvalidArgumentError("id: longer than " + std::to_string(kMaxIdChars) + " characters (" +
                                std::to_string(chars) + ")");
  }
  if (!visible) return InvalidArgumentError("id: only whitespace (" + std::to_string(chars) + " characters)");
  return Status::Ok();
}

Status ValidateEmail(std::string_view email) {
  if (email.empty()) return InvalidArgumentError("email: empty");
  if (email.size() > kMaxEmailBytes) {
    return InvalidArgumentError("email: longer than " + std::to_string(kMaxEmailBytes) + " bytes");
  }
  size_t chars = 0;
  bool visible = false;
  CHINOOK_RETURN_IF_ERROR(CheckIdentifierText("email", email, &chars, &visible));
  const size_t at = email.find('@');
  if (at == std::string_view::npos) return InvalidArgumentError("email: missing '@'");
  if (const size_t second = email.find('@', at + 1); second != std::string_view::npos) {
    return InvalidArgumentError("email: more than one '@'" + At(second));
  }
  const std::string_view local = email.substr(0, at);
  const std::string_view domain = email.substr(at + 1);
  if (local.empty()) return InvalidArgumentError("email: empty local part before '@'");
  if (local.size() > kMaxEmailLocalBytes) {
    return InvalidArgumentError("email: local part longer than " + std::to_string(kMaxEmailLocalBytes) + " bytes");
  }
  for (size_t i = 0; i < local.size(); ++i) {
    if (local[i] == ' ') return InvalidArgumentError("email: whitespace in the local part" + At(i));
  }
  // RFC 5322 dot-atom: dots separate non-empty atoms (quoted local parts are not accepted).
  if (local.front() == '.') return InvalidArgumentError("email: local part starts with '.'" + At(0));
  if (local.back() == '.') return InvalidArgumentError("email: local part ends with '.'" + At(local.size() - 1));
  if (const size_t dots = local.find(".."); dots != std::string_view::npos) {
    return InvalidArgumentError("email: consecutive dots in the local part" + At(dots));
  }
  if (domain.find('.') == std::string_view::npos) return InvalidArgumentError("email: domain has no '.'");
  size_t label_start = 0;
  while (label_start <= domain.size()) {
    size_t dot = domain.find('.', label_start);
    if (dot == std::string_view::npos) dot = domain.size();
    const std::string_view label = domain.substr(label_start, dot - label_start);
    const size_t label_at = at + 1 + label_start;
    if (label.empty()) return InvalidArgumentError("email: empty label in the domain" + At(label_at));
    if (label.size() > kMaxDomainLabelBytes) {
      return InvalidArgumentError("email: domain label longer than " + std::to_string(kMaxDomainLabelBytes) +
                                  " bytes (" + std::to_string(label.size()) + ")" + At(label_at));
    }
    if (label.front() == '-' || label.back() == '-') {
      return InvalidArgumentError("email: domain label starts or ends with '-'" + At(label_at));
    }
    for (size_t k = 0; k < label.size(); ++k) {
      const char c = label[k];
      // ASCII letters, digits and '-', or any non-ASCII (internationalized domain names).
      if (!IsAsciiAlnum(c) && c != '-' && static_cast<unsigned char>(c) < 0x80) {
        return InvalidArgumentError("email: invalid character in the domain" + At(label_at + k));
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
  // The running total is checked before each entry is scanned, so an oversized map costs at most
  // kMaxMetadataBytes of scanning, not its whole size.
  size_t bytes = 0;
  size_t entry = 0;
  for (const auto& [key, value] : c.metadata()) {
    bytes += key.size() + value.size();
    if (bytes > kMaxMetadataBytes) {
      return InvalidArgumentError("metadata: keys and values exceed " + std::to_string(kMaxMetadataBytes) +
                                  " bytes at entry " + std::to_string(entry) + " (of " +
                                  std::to_string(c.metadata_size()) + ")");
    }
    if (key.empty()) return InvalidArgumentError("metadata: empty key at entry " + std::to_string(entry));
    if (Status s = CheckText("key", key); !s.ok()) return s.Annotate("metadata entry " + std::to_string(entry));
    if (Status s = CheckText("value", value); !s.ok()) {
      // The key is valid UTF-8 now; when short it names the entry best.
      return s.Annotate(key.size() <= 64 ? "metadata[\"" + key + "\"]" : "metadata entry " + std::to_string(entry));
    }
    ++entry;
  }
  if (c.has_created_at()) CHINOOK_RETURN_IF_ERROR(CheckTimestamp("created_at", c.created_at()));
  if (c.has_updated_at()) CHINOOK_RETURN_IF_ERROR(CheckTimestamp("updated_at", c.updated_at()));
  return Status::Ok();
}

// Duplicate ids are found with one flat table (open addressing, linear probing, at most half
// full): one allocation per batch, where a node-based map made one per row (100,000 of them in a
// bulk load of 100,000 rows). A slot holds the row number and 32 bits of the id's hash, so a probe
// past an occupied slot compares ids (a visit to another customer, a cache miss) only when those
// bits match. Batches of 2^32 rows or more are refused before any row is looked at.
Status ValidateBatch(std::span<const Customer> customers) {
  if (customers.size() >= (uint64_t{1} << 32)) {
    return InvalidArgumentError("batch of " + std::to_string(customers.size()) + " rows: at most 2^32 - 1");
  }
  size_t slots = 16;
  while (slots < 2 * customers.size()) slots <<= 1;
  const size_t mask = slots - 1;
  std::vector<uint64_t> table(slots, 0);  // (hash bits << 32) | (row + 1); 0: empty
  const std::hash<std::string_view> hash;
  for (size_t row = 0; row < customers.size(); ++row) {
    if (Status s = ValidateCustomer(customers[row]); !s.ok()) return s.Annotate("row " + std::to_string(row));
    const std::string& id = customers[row].id();
    const size_t h = hash(id);
    const uint64_t tag = static_cast<uint64_t>(static_cast<uint32_t>(h >> 32) ^ static_cast<uint32_t>(h)) << 32;
    for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
      const uint64_t entry = table[slot];
      if (entry == 0) {
        table[slot] = tag | (row + 1);
        break;
      }
      if ((entry & 0xFFFFFFFF00000000u) != tag) continue;
      if (const size_t first = static_cast<uint32_t>(entry) - 1; customers[first].id() == id) {
        return AlreadyExistsError("row " + std::to_string(row) + ": id: same id as row " + std::to_string(first));
      }
    }
  }
  return Status::Ok();
}

}  // namespace chinook::repository
